/**
 * The controller's exporter records by `namespace/name`, indexed by label so
 * that finding the exporters a lease could take does not scan them all: a
 * selector's `key=value` and `key in (...)` terms each name a posting list,
 * and only the smallest is walked. With 30,000 exporters a lease for one
 * board costs the same as with 30.
 *
 * @module
 */
import type { ExporterRecord } from "./model.ts";
import type { Selector } from "./selector.ts";

/** A `Map` of exporter records that keeps a label index in step with every `set` and `delete`. */
export class ExporterIndex extends Map<string, ExporterRecord> {
  /** `key\0value` → record keys with that label. */
  #byLabel = new Map<string, Set<string>>();

  override set(key: string, record: ExporterRecord): this {
    const old = super.get(key);
    if (old !== undefined && old.labels !== record.labels) this.#unindex(key, old.labels);
    super.set(key, record);
    if (old === undefined || old.labels !== record.labels) this.#index(key, record.labels);
    return this;
  }

  override delete(key: string): boolean {
    const old = super.get(key);
    if (old === undefined) return false;
    this.#unindex(key, old.labels);
    return super.delete(key);
  }

  override clear(): void {
    this.#byLabel.clear();
    super.clear();
  }

  /**
   * The records that may match `selector` in `namespace` (a superset: the
   * caller still checks every term), from the smallest posting list of the
   * selector's equality and `in` terms; every record of the namespace when
   * the selector has neither.
   */
  *narrow(namespace: string, selector: Selector, name?: string): Iterable<ExporterRecord> {
    if (name !== undefined) {
      const one = super.get(`${namespace}/${name}`);
      if (one !== undefined) yield one;
      return;
    }
    let best: Iterable<string> | undefined;
    let bestSize = Infinity;
    for (const [key, value] of Object.entries(selector.matchLabels)) {
      const list = this.#byLabel.get(`${key}\0${value}`);
      if (list === undefined) return; // nothing has this label
      if (list.size < bestSize) [best, bestSize] = [list, list.size];
    }
    for (const r of selector.matchExpressions) {
      if (r.operator !== "In") continue;
      const lists = [...new Set(r.values)].map((v) => this.#byLabel.get(`${r.key}\0${v}`)).filter((
        l,
      ) => l !== undefined);
      const size = lists.reduce((n, l) => n + l.size, 0);
      if (size < bestSize) [best, bestSize] = [lists.flatMap((l) => [...l]), size];
    }
    if (best === undefined) {
      for (const record of super.values()) if (record.namespace === namespace) yield record;
      return;
    }
    for (const key of best) {
      const record = super.get(key);
      if (record !== undefined && record.namespace === namespace) yield record;
    }
  }

  #index(key: string, labels: Record<string, string>): void {
    for (const [k, v] of Object.entries(labels)) {
      const label = `${k}\0${v}`;
      let list = this.#byLabel.get(label);
      if (list === undefined) this.#byLabel.set(label, list = new Set());
      list.add(key);
    }
  }

  #unindex(key: string, labels: Record<string, string>): void {
    for (const [k, v] of Object.entries(labels)) {
      const label = `${k}\0${v}`;
      const list = this.#byLabel.get(label);
      list?.delete(key);
      if (list?.size === 0) this.#byLabel.delete(label);
    }
  }
}
