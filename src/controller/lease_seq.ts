/**
 * `nextLeaseSeq`: the next lease queue number, unique across replicas (a
 * guarded counter in the store).
 *
 * @module
 */
import { keys } from "./model.ts";
import { ConflictError, type KvStore } from "./store/kv.ts";

/**
 * The next queue number: one above the stored counter and `floor()` (the
 * highest number this replica has seen), claimed with a guarded write.
 */
export async function nextLeaseSeq(store: KvStore, floor: () => number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const entry = await store.get<number>(keys.leaseSeq);
    const next = Math.max(entry?.value ?? 0, floor()) + 1;
    try {
      await store.commit([{ put: keys.leaseSeq, value: next }], [{
        key: keys.leaseSeq,
        version: entry?.version ?? 0,
      }]);
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError("Too many concurrent lease creations; retry");
}
