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
  name?: string;
  /** The client keeps the lease alive with GetLease calls (it releases the lease on exit). */
  clientKeepalive?: boolean;
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
