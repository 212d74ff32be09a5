/**
 * The lease queue's pure logic: order (priority first, FIFO within a
 * priority), which exporters a lease may take, and the position and
 * estimated start of a pending lease. No I/O; the scheduler calls these.
 *
 * @module
 */
import { matches } from "./selector_match.ts";
import { parseSelector } from "./selector.ts";
import {
  type AccessPolicy,
  type ExporterRecord,
  type Identity,
  type LeaseRecord,
  plannedEnd,
} from "./model.ts";

/** Queue order: higher priority first, then creation order. */
export function queueOrder(a: LeaseRecord, b: LeaseRecord): number {
  return b.priority - a.priority || a.seq - b.seq;
}

/** The policies admitting `client` to `exporter` (all, when no policy exists). */
export function admittingPolicies(
  policies: AccessPolicy[],
  client: Identity | undefined,
  exporter: ExporterRecord,
): AccessPolicy[] {
  return policies.filter((p) =>
    matches(parseSelector(p.exporterSelector), exporter.labels) &&
    matches(parseSelector(p.clientSelector), client?.labels ?? {})
  );
}

/** True when the lease may run on `exporter` under the access policies. */
export function admitted(
  lease: LeaseRecord,
  exporter: ExporterRecord,
  policies: AccessPolicy[],
  client: Identity | undefined,
): boolean {
  if (policies.length === 0) return true;
  return admittingPolicies(policies, client, exporter).some((p) =>
    p.maxDurationMs === undefined || lease.durationMs <= p.maxDurationMs
  );
}

/** Exporters (online or not) that the lease could ever run on. */
export function candidates(
  lease: LeaseRecord,
  exporters: Iterable<ExporterRecord>,
  policies: AccessPolicy[],
  client: Identity | undefined,
  disabled: (exporter: ExporterRecord) => boolean = () => false,
): ExporterRecord[] {
  const found: ExporterRecord[] = [];
  for (const exporter of exporters) {
    if (exporter.namespace !== lease.namespace) continue;
    if (lease.exporterName !== undefined && exporter.name !== lease.exporterName) continue;
    if (disabled(exporter) && !(lease.allowDisabled && lease.exporterName !== undefined)) continue;
    if (!matches(lease.selector, exporter.labels)) continue;
    if (!admitted(lease, exporter, policies, client)) continue;
    found.push(exporter);
  }
  return found;
}

/** Position (1 = next) and estimated start of a pending lease. */
export interface QueueEstimate {
  position: number;
  /** Estimated start in ms since the epoch; undefined when no candidate is online. */
  estimatedStart?: number;
}

/**
 * Estimates when `lease` starts: every lease ahead of it in the queue that
 * competes for the same exporters takes the earliest free one for its full
 * duration, in queue order; `lease` gets the next.
 */
export function estimate(
  lease: LeaseRecord,
  pending: LeaseRecord[],
  active: LeaseRecord[],
  candidateNames: Set<string>,
  onlineNames: Set<string>,
  now = Date.now(),
  candidatesOf: (other: LeaseRecord) => Set<string>,
): QueueEstimate {
  const ahead = pending
    .filter((other) => other !== lease && queueOrder(other, lease) < 0)
    .filter((other) => [...candidatesOf(other)].some((name) => candidateNames.has(name)));
  const position = ahead.length + 1;
  const slots: number[] = [];
  for (const name of candidateNames) {
    if (!onlineNames.has(name)) continue;
    const holder = active.find((l) => l.exporter === name);
    slots.push(holder ? Math.max(plannedEnd(holder) ?? now, now) : now);
  }
  if (slots.length === 0) return { position };
  slots.sort((a, b) => a - b);
  for (const other of ahead) {
    const free = slots.shift()!;
    const begin = Math.max(free, other.beginTime ? Date.parse(other.beginTime) : 0);
    slots.push(begin + other.durationMs);
    slots.sort((a, b) => a - b);
  }
  const start = Math.max(slots[0], lease.beginTime ? Date.parse(lease.beginTime) : 0);
  return { position, estimatedStart: start };
}
