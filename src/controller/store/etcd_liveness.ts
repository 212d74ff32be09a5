/**
 * Liveness leases on etcd: an etcd lease renewed in the background, for keys
 * that must vanish with their owner (a replica's exporter connections,
 * pending dials). Made by `EtcdKv.lease()`.
 *
 * @module
 */
// @ts-types="./_etcd3.d.ts"
import type { Lease } from "etcd3";
import type { Guard, Write } from "./kv.ts";

/** What a liveness lease needs from the store that made it. */
export interface LeaseHooks {
  commit(writes: Write[], guards: Guard[]): Promise<number>;
  bounded<T>(action: string, op: () => Promise<T>): Promise<T>;
  forget(): void;
}

/** An etcd lease kept alive in the background, for keys that vanish with their owner. */
export class LivenessLease {
  readonly #listeners = new Set<(error: Error) => void>();
  readonly #inner: Lease;
  readonly #hooks: LeaseHooks;
  #lost = false;

  /** Made by `EtcdKv.lease()`. */
  constructor(readonly id: string, readonly ttlSeconds: number, inner: Lease, hooks: LeaseHooks) {
    this.#inner = inner;
    this.#hooks = hooks;
    inner.on("lost", (error) => {
      if (this.#lost) return;
      this.#lost = true;
      hooks.forget();
      for (const listener of this.#listeners) listener(error);
    });
  }

  /** False once the lease is lost, revoked or abandoned. */
  get alive(): boolean {
    return !this.#lost && !this.#inner.revoked();
  }

  /** Puts `key` bound to this lease (etcd deletes it when the lease ends); resolves to its version. */
  put(key: string, value: unknown): Promise<number> {
    return this.#hooks.commit([{ put: key, value }], []);
  }

  /** Like `EtcdKv.commit`, with every put bound to this lease. */
  commit(writes: Write[], guards: Guard[] = []): Promise<number> {
    return this.#hooks.commit(writes, guards);
  }

  /** Renews the lease now (it is also renewed every ttl/3 in the background). */
  async keepAliveOnce(): Promise<void> {
    await this.#hooks.bounded("renew an etcd lease", () => this.#inner.keepaliveOnce());
  }

  /** Called once if the lease is lost (it expired while etcd was unreachable): its keys are gone. */
  onLost(listener: (error: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends the lease now: its keys are deleted at once. */
  async revoke(): Promise<void> {
    this.#lost = true;
    this.#hooks.forget();
    await this.#hooks.bounded("revoke an etcd lease", () => this.#inner.revoke());
  }

  /** Stops renewing without revoking, as if the owner died: the keys go after the TTL. */
  abandon(): void {
    this.#lost = true;
    this.#hooks.forget();
    this.#inner.release();
  }
}
