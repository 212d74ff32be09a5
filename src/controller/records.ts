/**
 * The in-memory copy of the store's exporter and lease records that every
 * part of the controller reads, and the store versions already applied to it.
 *
 * @module
 */
import type { ExporterRecord, LeaseRecord } from "./model.ts";
import { ExporterIndex } from "./exporter_index.ts";

/** The key of a record in the caches: `namespace/name`. */
export const qualified = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Exporters and leases by `namespace/name`. */
export class Records {
  /** Indexed by label: `exporters.narrow()` finds a selector's candidates without a scan. */
  readonly exporters: ExporterIndex = new ExporterIndex();
  readonly leases = new Map<string, LeaseRecord>();
  /** The leases that have not ended (what scheduling looks at; history stays out of the way). */
  readonly open = new Map<string, LeaseRecord>();
  /** Highest queue number of the leases loaded at start (for stores from before the counter). */
  seqFloor = 0;
  /** Store version of the lease and exporter records applied, so an older echo never wins. */
  readonly #versions = new Map<string, number>();

  /** Records `version` for `storeKey` if it is newer than what was applied. */
  newer(storeKey: string, version: number): boolean {
    if (version <= (this.#versions.get(storeKey) ?? 0)) return false;
    this.#versions.set(storeKey, version);
    return true;
  }

  /** Sets the version applied for `storeKey` (loading at start). */
  loaded(storeKey: string, version: number): void {
    this.#versions.set(storeKey, version);
  }

  /** The store version of `storeKey` this replica applied last (0: none). */
  version(storeKey: string): number {
    return this.#versions.get(storeKey) ?? 0;
  }

  /** Forgets the version of a deleted key. */
  forget(storeKey: string): void {
    this.#versions.delete(storeKey);
  }

  /** The active (assigned, not ended) lease of an exporter, if any. */
  activeLeaseOf(record: ExporterRecord): LeaseRecord | undefined {
    for (const lease of this.open.values()) {
      if (!lease.ended && lease.exporter === record.name && lease.namespace === record.namespace) {
        return lease;
      }
    }
    return undefined;
  }
}
