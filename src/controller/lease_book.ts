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
import { ConflictError, type Guard, type KvStore, type Write } from "./store/kv.ts";

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

  /**
   * Writes a lease (with `extra` writes, if `guards` hold) and applies it.
   * The whole record is guarded by the version this replica last applied
   * (unless `guards` name the lease's key), so a change computed from a stale
   * copy fails with ConflictError instead of undoing another replica's.
   */
  async save(
    lease: LeaseRecord,
    extra: Write[] = [],
    guards: Guard[] = [],
  ): Promise<number> {
    const storeKey = keys.lease(lease.namespace, lease.name);
    const own = guards.some((g) => g.key === storeKey)
      ? []
      : [{ key: storeKey, version: this.parts.records.version(storeKey) }];
    const revision = await this.parts.store.commit(
      [{ put: storeKey, value: lease }, ...extra],
      [...own, ...guards],
    );
    // The store's watch may have applied this write (or a newer one) already.
    if (this.parts.records.newer(storeKey, revision)) this.apply(lease);
    return revision;
  }

  /**
   * Writes `make(latest)` for a lease, re-reading the lease from the store
   * and making it again when another replica changed it first. `make`
   * returns undefined when nothing is left to do (the lease ended meanwhile).
   */
  async change(
    lease: LeaseRecord,
    make: (latest: LeaseRecord) => { record: LeaseRecord; writes?: Write[] } | undefined,
  ): Promise<void> {
    const storeKey = keys.lease(lease.namespace, lease.name);
    let latest = lease;
    for (let attempt = 0;; attempt++) {
      const next = make(latest);
      if (!next) return;
      try {
        await this.save(next.record, next.writes);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 10) throw error;
      }
      const fresh = await this.parts.store.get<LeaseRecord>(storeKey);
      if (!fresh) return; // pruned meanwhile
      if (this.parts.records.newer(storeKey, fresh.version)) this.apply(fresh.value);
      latest = fresh.value;
    }
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
    let done = false;
    await this.change(lease, (latest) => {
      if (latest.ended) return undefined;
      const ended: LeaseRecord = structuredClone(latest);
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
      done = true;
      return { record: ended, writes };
    });
    if (done) this.parts.log.info(`lease ${lease.name} ended: ${reason}`);
  }

  /** Tells an active lease its exporter went away; re-queues it if it asked for that. */
  async exporterLost(current: LeaseRecord, exporter: string, why: string): Promise<void> {
    await this.change(current, (latest) => {
      if (latest.ended || latest.exporter !== exporter) return undefined;
      return lostExporter(latest, exporter, why);
    });
  }

  /**
   * Records on an active lease the status its exporter reported (its hooks
   * running or failed, ready): condition `ExporterStatus`, reason the status
   * in upstream's words (`BeforeLeaseHook`, `LeaseReady`, ...), message the
   * exporter's.
   */
  async exporterStatus(
    current: LeaseRecord,
    exporter: string,
    status: string,
    message: string,
  ): Promise<void> {
    const reason = status.toLowerCase().replace(
      /(^|_)([a-z])/g,
      (_, __, c: string) => c.toUpperCase(),
    );
    await this.change(current, (latest) => {
      if (latest.ended || latest.exporter !== exporter) return undefined;
      const seen = latest.conditions.find((c) => c.type === "ExporterStatus");
      if (seen && seen.reason === reason && seen.message === message) return undefined;
      const next = structuredClone(latest);
      setCondition(next, "ExporterStatus", "True", reason, message);
      return { record: next };
    });
  }

  /** Tells a lease its exporter is back. */
  async exporterBack(lease: LeaseRecord, exporter: string): Promise<void> {
    await this.change(lease, (latest) => {
      if (latest.ended || !conditionTrue(latest, "ExporterOffline")) return undefined;
      const back = structuredClone(latest);
      setCondition(
        back,
        "ExporterOffline",
        "False",
        "ExporterOnline",
        `Exporter "${exporter}" is back`,
      );
      return { record: back };
    });
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

/** `current` told its exporter went away (re-queued if it asked for that); records are never
 * changed in place: what changed is found by comparing. */
function lostExporter(
  current: LeaseRecord,
  exporter: string,
  why: string,
): { record: LeaseRecord; writes: Write[] } {
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
  return { record: lease, writes };
}
