/**
 * The dashboard's one push stream, server side: the store's changes to
 * exporters, leases and identities, gathered for a few milliseconds into
 * one batch and handed to every open page. The controller applies a change
 * to its caches in the same watch turn, so the rows read at the flush are
 * current.
 *
 * @module
 */
import type { KvStore } from "../store/kv.ts";
import { keys } from "../model.ts";

/** What changed since the last batch. */
export interface ChangeBatch {
  /** `namespace/name` of exporters whose row may have changed. */
  exporters: Set<string>;
  /** A lease changed: lease rows (queue positions too) and their exporters' rows. */
  leases: Set<string>;
  /** An identity changed: sessions must be checked again. */
  identities: boolean;
  /** Another process changed the store: send everything again. */
  reset: boolean;
}

/** How long changes are gathered before a batch goes out. */
const GATHER_MS = 5;

/** Fans store changes out to the open pages in batches. */
export class LiveFeed {
  readonly #listeners = new Set<(batch: ChangeBatch) => void>();
  #pending?: ChangeBatch;
  #timer?: ReturnType<typeof setTimeout>;
  readonly #stopWatch: () => void;

  constructor(store: KvStore) {
    this.#stopWatch = store.watch("", (change) => {
      if (change.kind === "external") return this.#batch().reset = true;
      const k = change.key;
      if (k.startsWith(keys.exporters)) {
        this.#batch().exporters.add(k.slice(keys.exporters.length));
      } else if (k.startsWith(keys.leases)) {
        this.#batch().leases.add(k.slice(keys.leases.length));
      } else if (k.startsWith(keys.identities)) {
        this.#batch().identities = true;
      }
    });
  }

  /** Calls `listener` with every batch; returns a function that stops. */
  subscribe(listener: (batch: ChangeBatch) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  #batch(): ChangeBatch {
    if (!this.#pending) {
      this.#pending = { exporters: new Set(), leases: new Set(), identities: false, reset: false };
      this.#timer = setTimeout(() => this.#flush(), GATHER_MS);
    }
    return this.#pending;
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = undefined;
    this.#timer = undefined;
    if (!batch) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(batch);
      } catch {
        // One broken page must not stop the others.
      }
    }
  }

  close(): void {
    this.#stopWatch();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#listeners.clear();
  }
}
