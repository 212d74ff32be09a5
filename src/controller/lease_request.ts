/**
 * What a client asks for when it creates a lease, and the record of the new
 * lease it becomes: Pending, or ended at once as Unsatisfiable when it names
 * an exporter that does not exist.
 *
 * @module
 */
import { type Identity, type LeaseRecord, setCondition } from "./model.ts";
import type { Selector } from "./selector.ts";

/** What a client asks for when it creates a lease. */
export interface LeaseRequest {
  selector: Selector;
  exporterName?: string;
  durationMs: number;
  beginTime?: Date;
  requeueOnExporterLoss?: boolean;
  tags?: Record<string, string>;
  /** The client's own context (build id, image digest...); `jumpstarter.dev/` keys are the controller's. */
  context?: Record<string, string>;
  /** Take a disabled exporter (only with `exporterName`). */
  allowDisabled?: boolean;
  name?: string;
  /** The client keeps the lease alive with GetLease calls (it releases the lease on exit). */
  clientKeepalive?: boolean;
}

/** The user's part of a lease context: keys outside `jumpstarter.dev/`, at most 64 of 1 KiB each. */
export function userContext(context: Record<string, string> = {}): Record<string, string> {
  const entries = Object.entries(context).filter(([key]) => !key.startsWith("jumpstarter.dev/"));
  if (entries.length > 64) {
    throw new TypeError(`Too many lease context entries (${entries.length}; at most 64)`);
  }
  for (const [key, value] of entries) {
    if (key.length > 256 || value.length > 1024) {
      throw new TypeError(
        `Lease context "${
          key.slice(0, 40)
        }" is too long (keys 256, values 1024 characters at most)`,
      );
    }
  }
  return Object.fromEntries(entries);
}

/** Where a new lease stands: its name, queue number and priority. */
export interface NewLease {
  name: string;
  seq: number;
  priority: number;
  /** The controller's client keepalive timeout, set on the lease when the client asked for one. */
  clientKeepaliveMs: number;
}

/** The record of a new, pending lease of `client`. */
export function newLeaseRecord(
  client: Identity,
  request: LeaseRequest,
  { name, seq, priority, clientKeepaliveMs }: NewLease,
): LeaseRecord {
  const lease: LeaseRecord = {
    namespace: client.namespace,
    name,
    seq,
    client: client.name,
    clientUid: client.uid,
    selector: request.selector,
    exporterName: request.exporterName,
    durationMs: request.durationMs,
    beginTime: request.beginTime?.toISOString(),
    priority,
    requeueOnExporterLoss: request.requeueOnExporterLoss ?? false,
    clientKeepaliveMs: request.clientKeepalive ? clientKeepaliveMs : undefined,
    labels: { ...request.selector.matchLabels },
    tags: request.tags ?? {},
    context: userContext(request.context),
    ...(request.allowDisabled && request.exporterName ? { allowDisabled: true } : {}),
    createdAt: new Date().toISOString(),
    released: false,
    ended: false,
    conditions: [],
  };
  setCondition(lease, "Pending", "True", "Created", "Waiting for a matching exporter");
  return lease;
}

/** Ends a new lease that names an exporter that does not exist: it is Unsatisfiable. */
export function endForMissingExporter(lease: LeaseRecord, exporterName: string): void {
  lease.ended = true;
  lease.endTime = new Date().toISOString();
  setCondition(lease, "Pending", "False", "ExporterNotFound");
  setCondition(
    lease,
    "Unsatisfiable",
    "True",
    "ExporterNotFound",
    `The lease cannot be satisfied: no exporter named "${exporterName}"`,
  );
}
