/**
 * The leader's lease scheduler: assigns free matching exporters to pending
 * leases in queue order, and says on each pending lease why it waits.
 *
 * @module
 */
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import type { Identities } from "./identities.ts";
import type { LeaseBook } from "./lease_book.ts";
import type { LeaseTimers } from "./lease_timers.ts";
import {
  conditionTrue,
  type ExporterRecord,
  keys,
  type LeaseRecord,
  setCondition,
} from "./model.ts";
import { candidates, queueOrder } from "./queue.ts";
import { qualified, type Records } from "./records.ts";
import { formatSelector } from "./format_selector.ts";
import { ConflictError, type Guard, type Write } from "./store/kv.ts";

/** What the scheduler works with. */
export interface SchedulerParts {
  records: Records;
  identities: Identities;
  book: LeaseBook;
  timers: LeaseTimers;
  /** False when it must not run (closed, or not the leader). */
  running(): boolean;
  log: Logger;
}

/** A lease given an exporter: the record, and the writes and guards that claim the exporter. */
export interface Assignment {
  record: LeaseRecord;
  exporter: string;
  writes: Write[];
  guards: Guard[];
}

/** `lease` assigned to `exporter` (Ready now); the exporter's slot must still be free. */
export function assignment(lease: LeaseRecord, exporter: ExporterRecord): Assignment {
  const record: LeaseRecord = structuredClone(lease);
  record.exporter = exporter.name;
  record.effectiveBeginTime = new Date().toISOString();
  setCondition(record, "Pending", "False", "Ready", "");
  setCondition(record, "Unsatisfiable", "False", "Satisfiable", "");
  setCondition(record, "Ready", "True", "Ready", `Leased exporter "${exporter.name}"`);
  if (conditionTrue(record, "ExporterOffline")) {
    setCondition(record, "ExporterOffline", "False", "ExporterOnline", "");
  }
  const slot = keys.assignment(exporter.namespace, exporter.name);
  return {
    record,
    exporter: exporter.name,
    writes: [{ put: slot, value: lease.name }],
    guards: [{ key: slot, version: 0 }],
  };
}

/** One scheduler pass at a time, queued after every relevant change. */
export class LeaseScheduler {
  #queued = false;
  #reconciling?: Promise<void>;

  constructor(readonly parts: SchedulerParts) {}

  /** Queues a pass (many changes in one task make one pass). */
  schedule(): void {
    if (this.#queued || !this.parts.running()) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      void this.run().catch((error) =>
        this.parts.log.warning(`scheduling failed: ${messageOf(error)}`)
      );
    });
  }

  /** Assigns free exporters to pending leases in queue order (the leader only, one pass at a time). */
  async run(): Promise<void> {
    if (!this.parts.running()) return;
    while (this.#reconciling) await this.#reconciling;
    this.#reconciling = this.#pass().finally(() => this.#reconciling = undefined);
    await this.#reconciling;
  }

  async #pass(): Promise<void> {
    const { records } = this.parts;
    const now = Date.now();
    const pending = [...records.open.values()].filter((l) => !l.ended && !l.exporter).sort(
      queueOrder,
    );
    if (pending.length === 0) return;
    const busy = this.#busy();
    for (const lease of pending) {
      if (lease.beginTime && Date.parse(lease.beginTime) > now) {
        this.parts.timers.arm(lease);
        continue;
      }
      const { all, free } = this.#fit(lease, busy);
      if (free.length === 0) {
        await this.#explainWait(lease, all);
        continue;
      }
      for (const chosen of free) {
        busy.add(qualified(chosen.namespace, chosen.name));
        if (await this.#assign(lease, chosen)) break;
      }
    }
  }

  /** Records on a pending lease why no exporter is free for it (if that changed). */
  async #explainWait(lease: LeaseRecord, all: ExporterRecord[]): Promise<void> {
    const online = all.some((e) => e.online);
    const reason = all.length === 0 ? "NoExporter" : online ? "NotAvailable" : "Offline";
    const message = all.length === 0
      ? `No exporter matches "${formatSelector(lease.selector)}"${
        lease.exporterName ? ` named "${lease.exporterName}"` : ""
      }`
      : online
      ? "Every matching exporter is leased"
      : "Every matching exporter is offline";
    const updated = structuredClone(lease);
    if (all.length === 0) setCondition(updated, "Unsatisfiable", "True", reason, message);
    else setCondition(updated, "Unsatisfiable", "False", "Satisfiable", "");
    setCondition(updated, "Pending", "True", reason, message);
    if (JSON.stringify(updated.conditions) !== JSON.stringify(lease.conditions)) {
      await this.parts.book.save(updated).catch(() => {});
    }
  }

  /**
   * For a lease being created: its assignment, to be written with it in one
   * commit, when this replica leads, nothing waits in the queue (so it is
   * first in line), it may start now and a matching exporter is free.
   * Undefined otherwise: the lease is written pending and a pass assigns it.
   */
  direct(lease: LeaseRecord): Assignment | undefined {
    const { records } = this.parts;
    if (!this.parts.running() || lease.ended || lease.exporter) return undefined;
    if (lease.beginTime && Date.parse(lease.beginTime) > Date.now()) return undefined;
    for (const other of records.open.values()) {
      if (!other.ended && !other.exporter) return undefined;
    }
    const chosen = this.#fit(lease, this.#busy()).free[0];
    return chosen ? assignment(lease, chosen) : undefined;
  }

  /** Exporters held by an open lease (`namespace/name`). */
  #busy(): Set<string> {
    const busy = new Set<string>();
    for (const lease of this.parts.records.open.values()) {
      if (!lease.ended && lease.exporter) busy.add(qualified(lease.namespace, lease.exporter));
    }
    return busy;
  }

  /** The exporters the lease could ever run on, and those free now (by name). */
  #fit(lease: LeaseRecord, busy: Set<string>): { all: ExporterRecord[]; free: ExporterRecord[] } {
    const { records, identities } = this.parts;
    const all = candidates(
      lease,
      records.exporters.narrow(lease.namespace, lease.selector, lease.exporterName),
      identities.policies,
      identities.clientOf(lease),
      (e) => identities.exporterDisabled(e),
    );
    const free = all.filter((e) =>
      e.online && !busy.has(qualified(e.namespace, e.name)) && !e.status.endsWith("_FAILED")
    );
    free.sort((a, b) => a.name.localeCompare(b.name));
    return { all, free };
  }

  /** Gives `exporter` to `lease`; false if another replica took it first. */
  async #assign(lease: LeaseRecord, exporter: ExporterRecord): Promise<boolean> {
    const { record: assigned, writes, guards } = assignment(lease, exporter);
    try {
      await this.parts.book.save(assigned, writes, guards);
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
    this.parts.log.info(`lease ${lease.name} (${lease.client}) -> exporter ${exporter.name}`);
    return true;
  }
}
