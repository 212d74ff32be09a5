/**
 * How controller replicas share work: which one leads (runs the lease
 * scheduler and expiry timers) and which keys vanish when a replica dies
 * (exporter liveness, pending dials). One replica on the embedded store is
 * always the leader; on etcd, an election and etcd leases decide.
 *
 * @module
 */
import type { Guard, KvStore, Write } from "./store/kv.ts";

/** A replica's view of the cluster. */
export interface Coordination {
  /** This replica's id (reported by /healthz and metrics). */
  readonly replicaId: string;
  /** True while this replica runs the scheduler. */
  readonly isLeader: boolean;
  /** True when other replicas may share the store (state changes arrive through watches). */
  readonly shared: boolean;
  /** Called when leadership is won or lost. */
  onLeaderChange(listener: (isLeader: boolean) => void): () => void;
  /** Commits writes whose puts vanish if this replica dies (etcd lease); plain commit otherwise. */
  commitEphemeral(writes: Write[], guards?: Guard[]): Promise<void>;
  /** The current leader's replica id, if known. */
  leader(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** One replica: always the leader; ephemeral keys are plain keys. */
export class SoloCoordination implements Coordination {
  readonly isLeader = true;
  readonly shared = false;
  constructor(readonly store: KvStore, readonly replicaId: string = "solo") {}
  onLeaderChange(): () => void {
    return () => {};
  }
  async commitEphemeral(writes: Write[], guards?: Guard[]): Promise<void> {
    await this.store.commit(writes, guards);
  }
  leader(): Promise<string | undefined> {
    return Promise.resolve(this.replicaId);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
