/**
 * Lease records' way through the store: writing them, applying them (this
 * replica's writes and other replicas'), telling listeners and exporters
 * what changed, ending them, and dropping old history.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { ExporterLinks } from "./exporter_links.ts";
import type { LeaseTimers } from "./lease_timers.ts";
import { conditionTrue, keys, type LeaseRecord, setCondition } from "./model.ts";
import { qualified, type Records } from "./records.ts";
import type { KvStore, Write } from "./store/kv.ts";

/** What the lease book works with. */
export interface LeaseBookParts {
  store: KvStore;
  records: Records;
  links: ExporterLinks;
  timers: LeaseTimers;
  isLeader(): boolean;
  /** Queues a scheduler pass. */
  schedule(): void;
  log: Logger;
  /** How long, and how many, ended leases are kept for history. */
  retention: { ms: number; count: number };
}

/** Writes and applies lease records. */
export class LeaseBook {
  readonly #endListeners = new Set<(lease: LeaseRecord, reason: string) => void>();
  readonly #changeListeners = new Set<(lease: LeaseRecord) => void>();
  readonly #announced = new Set<string>();

  constructor(readonly parts: LeaseBookParts) {}

  /** Subscribes to lease endings (release, expiry, exporter loss): the router cuts streams. */
  onLeaseEnd(listener: (lease: LeaseRecord, reason: string) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /** Subscribes to every lease change. */
  onLeaseChange(listener: (lease: LeaseRecord) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Writes a lease (with `extra` writes, if `guards` hold) and applies it. */
  async save(
    lease: LeaseRecord,
    extra: Write[] = [],
    guards: { key: string; version: number }[] = [],
  ): Promise<void> {
    const storeKey = keys.lease(lease.namespace, lease.name);
    const revision = await this.parts.store.commit(
      [{ put: storeKey, value: lease }, ...extra],
      guards,
    );
    // The store's watch may have applied this write (or a newer one) already.
    if (this.parts.records.newer(storeKey, revision)) this.apply(lease);
  }

  /** Applies a lease record (own write or another replica's) and acts on what changed. */
  apply(incoming: LeaseRecord): void {
    const { records, links, timers } = this.parts;
    const k = qualified(incoming.namespace, incoming.name);
    const before = records.leases.get(k);
    // A late echo of an older write must not revive an ended lease.
    if (before?.ended && !incoming.ended) return;
    const wasOffline = before ? !!conditionTrue(before, "ExporterOffline") : false;
    const beforeExporter = before && !before.ended ? before.exporter : undefined;
    records.leases.set(k, incoming);
    if (incoming.ended) records.open.delete(k);
    else records.open.set(k, incoming);
    if (incoming.ended) {
      this.#announceEnd(incoming);
    } else if (!wasOffline && conditionTrue(incoming, "ExporterOffline")) {
      // The exporter went away: cut the client's streams now.
      const gone = beforeExporter ?? incoming.exporter;
      for (const listener of this.#endListeners) {
        listener(incoming, `exporter "${gone}" went offline`);
      }
    }
    // Tell the exporters this replica holds what they now serve.
    if (beforeExporter) links.tell(qualified(incoming.namespace, beforeExporter));
    if (incoming.exporter) links.tell(qualified(incoming.namespace, incoming.exporter));
    if (this.parts.isLeader()) {
      timers.arm(incoming);
      this.parts.schedule();
    }
    for (const listener of this.#changeListeners) listener(incoming);
  }

  #announceEnd(lease: LeaseRecord): void {
    const k = qualified(lease.namespace, lease.name);
    if (this.#announced.has(k)) return;
    this.#announced.add(k);
    const ready = lease.conditions.find((c) => c.type === "Ready")?.reason;
    const reason = ready === "Expired"
      ? "the lease expired"
      : ready === "ClientGone"
      ? "the lease's client went away"
      : "the lease was released";
    for (const listener of this.#endListeners) listener(lease, reason);
    this.parts.timers.clear(lease);
  }

  /** Ends a lease and frees its exporter. */
  async end(
    lease: LeaseRecord,
    reason: "Released" | "Expired" | "ClientDeleted" | "ClientGone",
    message: string,
  ): Promise<void> {
    if (lease.ended) return;
    const ended: LeaseRecord = structuredClone(lease);
    ended.ended = true;
    ended.released = reason === "Released" || reason === "ClientDeleted";
    ended.endTime = new Date().toISOString();
    setCondition(ended, "Ready", "False", reason, message);
    setCondition(ended, "Pending", "False", reason, message);
    const writes: Write[] = [];
    if (ended.exporter) writes.push({ delete: keys.assignment(ended.namespace, ended.exporter) });
    if (ended.clientKeepaliveMs) {
      writes.push({ delete: keys.keepalive(ended.namespace, ended.name) });
    }
    await this.save(ended, writes);
    this.parts.log.info(`lease ${lease.name} ended: ${reason}`);
  }

  /** Tells an active lease its exporter went away; re-queues it if it asked for that. */
  async exporterLost(current: LeaseRecord, exporter: string, why: string): Promise<void> {
    // Records in the cache are never changed in place: what changed is found by comparing.
    const lease = structuredClone(current);
    setCondition(
      lease,
      "ExporterOffline",
      "True",
      "ExporterOffline",
      `Exporter "${exporter}" went offline: ${why}`,
    );
    const writes: Write[] = [];
    if (lease.requeueOnExporterLoss) {
      writes.push({ delete: keys.assignment(lease.namespace, exporter) });
      lease.exporter = undefined;
      lease.effectiveBeginTime = undefined;
      setCondition(
        lease,
        "Ready",
        "False",
        "ExporterOffline",
        "Re-queued for another matching exporter",
      );
      setCondition(lease, "Pending", "True", "Requeued", `Exporter "${exporter}" went offline`);
    }
    await this.save(lease, writes);
  }

  /** Tells a lease its exporter is back. */
  async exporterBack(lease: LeaseRecord, exporter: string): Promise<void> {
    const back = structuredClone(lease);
    setCondition(
      back,
      "ExporterOffline",
      "False",
      "ExporterOnline",
      `Exporter "${exporter}" is back`,
    );
    await this.save(back);
  }

  /** Deletes ended leases beyond the retention time or count. */
  async prune(): Promise<void> {
    const { records, retention } = this.parts;
    const ended = [...records.leases.values()].filter((l) => l.ended).sort((a, b) => a.seq - b.seq);
    const cutoff = Date.now() - retention.ms;
    const excess = ended.length - retention.count;
    const drop = ended.filter((l, i) =>
      i < excess || Date.parse(l.endTime ?? l.createdAt) < cutoff
    );
    if (drop.length === 0) return;
    for (const lease of drop) {
      records.leases.delete(qualified(lease.namespace, lease.name));
      this.#announced.delete(qualified(lease.namespace, lease.name));
    }
    await this.parts.store.commit(
      drop.map((l) => ({ delete: keys.lease(l.namespace, l.name) })),
    );
  }
}
