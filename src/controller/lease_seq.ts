/**
 * `nextLeaseSeq`: the next lease queue number, unique across replicas (a
 * guarded counter in the store). Claims made by one replica run one after
 * another, so only other replicas' claims can race a guarded write; under
 * load (200 clients creating at once) the racing claims of one replica used
 * to lose 50 times in a row and refuse the lease.
 *
 * @module
 */
import { keys } from "./model.ts";
import { ConflictError, type KvStore } from "./store/kv.ts";

/** The claim in progress per store: the next one waits for it. */
const claims = new WeakMap<KvStore, Promise<unknown>>();

/**
 * The next queue number: one above the stored counter and `floor()` (the
 * highest number this replica has seen), claimed with a guarded write.
 */
export function nextLeaseSeq(store: KvStore, floor: () => number): Promise<number> {
  const previous = claims.get(store) ?? Promise.resolve();
  const claim = previous.then(() => claimSeq(store, floor), () => claimSeq(store, floor));
  claims.set(store, claim.catch(() => {}));
  return claim;
}

async function claimSeq(store: KvStore, floor: () => number): Promise<number> {
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
      // Another replica claimed meanwhile: step aside a moment, at random, before trying again.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * (attempt + 1))));
    }
  }
  throw new ConflictError("Too many concurrent lease creations; retry");
}
