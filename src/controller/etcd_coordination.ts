/**
 * Coordination of several controller replicas through etcd: a leader
 * election for the scheduler and one etcd lease per replica for the keys
 * that must vanish with it.
 *
 * @module
 */
import type { Coordination } from "./coordination.ts";
import type { EtcdKv } from "./store/etcd_kv.ts";
import type { Leadership } from "./store/etcd_leadership.ts";
import type { LivenessLease } from "./store/etcd_liveness.ts";
import type { Guard, Write } from "./store/kv.ts";

/** Replicas sharing one etcd cluster. */
export class EtcdCoordination implements Coordination {
  readonly shared = true;
  readonly #leadership: Leadership;
  #lease?: Promise<LivenessLease>;

  constructor(readonly store: EtcdKv, readonly replicaId: string, readonly ttlSeconds = 5) {
    this.#leadership = store.campaign("controller-scheduler", replicaId, { ttlSeconds });
  }

  get isLeader(): boolean {
    return this.#leadership.isLeader;
  }

  onLeaderChange(listener: (isLeader: boolean) => void): () => void {
    return this.#leadership.onChange(listener);
  }

  #liveness(): Promise<LivenessLease> {
    const current = this.#lease;
    if (current) {
      return current.then((lease) => {
        if (lease.alive) return lease;
        this.#lease = undefined;
        return this.#liveness();
      }, () => {
        this.#lease = undefined;
        return this.#liveness();
      });
    }
    this.#lease = this.store.lease(this.ttlSeconds);
    return this.#lease;
  }

  async commitEphemeral(writes: Write[], guards: Guard[] = []): Promise<void> {
    const lease = await this.#liveness();
    await lease.commit(writes, guards);
  }

  leader(): Promise<string | undefined> {
    return this.#leadership.leader();
  }

  /** Resigns and revokes this replica's etcd lease side by side: each call is bounded, so is this. */
  async close(): Promise<void> {
    await Promise.allSettled([
      this.#leadership.resign(),
      (async () => (await this.#lease?.catch(() => undefined))?.revoke())(),
    ]);
  }
}
