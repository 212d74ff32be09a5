/**
 * The ephemeral `alive/` keys of the exporters whose connection this
 * replica holds: written through the coordination's lease when replicas
 * share the store, so they vanish if this replica dies.
 *
 * @module
 */
import type { Coordination } from "./coordination.ts";
import { type ExporterRecord, keys } from "./model.ts";
import { qualified } from "./records.ts";
import type { KvStore } from "./store/kv.ts";

/** The `alive/` keys this replica wrote. */
export class AliveKeys {
  readonly #held = new Set<string>();

  constructor(readonly store: KvStore, readonly coordination: Coordination) {}

  /** Records that this replica holds the exporter's connection (only when replicas share the store). */
  async claim(record: ExporterRecord): Promise<void> {
    const { coordination } = this;
    if (!coordination.shared) return;
    const k = qualified(record.namespace, record.name);
    await coordination.commitEphemeral([{
      put: keys.alive(record.namespace, record.name),
      value: { replica: coordination.replicaId, since: new Date().toISOString() },
    }]);
    this.#held.add(k);
  }

  /**
   * Deletes the exporter's key if this replica wrote it (a failed delete is
   * left to the lease); undefined when it did not.
   */
  release(namespace: string, name: string): Promise<void> | undefined {
    const k = qualified(namespace, name);
    if (!this.#held.delete(k)) return undefined;
    return this.store.commit([{ delete: keys.alive(namespace, name) }]).then(() => {}, () => {});
  }
}
