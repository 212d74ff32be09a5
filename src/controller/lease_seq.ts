/**
 * Lease queue numbers, unique across replicas: a counter in the store,
 * claimed in the same guarded commit as the lease that takes the number, so
 * creating a lease costs one write, not two.
 *
 * @module
 */
import { keys } from "./model.ts";
import type { Guard, KvStore, Write } from "./store/kv.ts";

/** The counter as this replica last wrote it: its value and store version. */
export interface SeqCounter {
  value: number;
  version: number;
}

/** A queue number, and what claims it when committed with the lease. */
export interface SeqClaim {
  seq: number;
  writes: Write[];
  guards: Guard[];
}

/**
 * The next queue number: one above the stored counter and `floor()` (the
 * highest number this replica has seen), from `known` (the counter as this
 * replica last wrote it, saving a read) or the store. The claim's guard fails
 * the commit (ConflictError) if another lease took a number in between; read
 * again then.
 */
export async function claimLeaseSeq(
  store: KvStore,
  floor: () => number,
  known?: SeqCounter,
): Promise<SeqClaim> {
  const entry = known ?? await store.get<number>(keys.leaseSeq);
  const seq = Math.max(entry?.value ?? 0, floor()) + 1;
  return {
    seq,
    writes: [{ put: keys.leaseSeq, value: seq }],
    guards: [{ key: keys.leaseSeq, version: entry?.version ?? 0 }],
  };
}
