/**
 * What the dashboard shows of the controller's state, as JSON rows: the
 * exporters (labels, liveness, status, the lease holding each, the driver
 * tree) and the open leases (holder, time left, queue position and ETA,
 * conditions). A client sees its namespace; an admin sees every namespace.
 *
 * @module
 */
import { CLIENT_LABEL, NAME_LABEL } from "../../driver/driver_report.ts";
import type { Controller } from "../controller.ts";
import { formatSelector } from "../format_selector.ts";
import { type ExporterRecord, type Identity, type LeaseRecord, plannedEnd } from "../model.ts";

/** The identity label that makes a client a dashboard admin (`controller admin create client NAME --label jumpstarter.dev/dashboard=admin`). */
export const ADMIN_LABEL = "jumpstarter.dev/dashboard";

/** Whether `identity` is a dashboard admin. */
export function isAdmin(identity: Identity): boolean {
  return identity.labels[ADMIN_LABEL] === "admin";
}

/** Whether `identity` may see things of `namespace`. */
export function sees(identity: Identity, namespace: string): boolean {
  return isAdmin(identity) || identity.namespace === namespace;
}

/** Whether `identity` may work (console, power, extend, release) under `lease`. */
export function works(identity: Identity, lease: LeaseRecord): boolean {
  return lease.namespace === identity.namespace && lease.client === identity.name &&
    (lease.clientUid === undefined || lease.clientUid === identity.uid);
}

/** One node of an exporter's driver tree. */
export interface DriverRow {
  name: string;
  /** Names from the root's child down (`board/power`). */
  path: string;
  /** The client class label's last part (`PowerClient`). */
  client: string;
  depth: number;
}

/** An exporter as the page shows it. */
export interface ExporterRow {
  key: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  online: boolean;
  status: string;
  statusMessage: string;
  lease?: { name: string; client: string };
  drivers: DriverRow[];
}

/** A lease as the page shows it. */
export interface LeaseRow {
  key: string;
  namespace: string;
  name: string;
  client: string;
  exporter?: string;
  selector: string;
  ready: boolean;
  /** When it ends (ms since the epoch) if it started. */
  endsAt?: number;
  durationMs: number;
  queue?: { position: number; eta?: number };
  conditions: { type: string; status: string; reason: string; message: string }[];
  mine: boolean;
}

function driverRows(record: ExporterRecord): DriverRow[] {
  const placed = new Map<string, { depth: number; path: string }>();
  return record.reports.map((report) => {
    const parent = report.parentUuid ? placed.get(report.parentUuid) : undefined;
    const name = report.labels[NAME_LABEL] ?? "";
    const d = parent ? parent.depth + 1 : 0;
    const path = parent?.path ? `${parent.path}/${name}` : name;
    placed.set(report.uuid, { depth: d, path: d === 0 ? "" : path });
    return {
      name,
      path: d === 0 ? "" : path,
      client: (report.labels[CLIENT_LABEL] ?? "").split(".").pop() ?? "",
      depth: d,
    };
  });
}

/** An exporter's row; `lease` is the one holding it, if any. */
export function exporterRow(record: ExporterRecord, lease?: LeaseRecord): ExporterRow {
  return {
    key: `${record.namespace}/${record.name}`,
    namespace: record.namespace,
    name: record.name,
    labels: record.labels,
    online: record.online,
    status: record.status,
    statusMessage: record.statusMessage,
    lease: lease ? { name: lease.name, client: lease.client } : undefined,
    drivers: driverRows(record),
  };
}

/** A lease's row for `viewer`. */
export function leaseRow(controller: Controller, lease: LeaseRecord, viewer: Identity): LeaseRow {
  const ready = lease.exporter !== undefined && lease.effectiveBeginTime !== undefined;
  const estimate = ready || lease.ended ? undefined : controller.estimateStart(lease);
  return {
    key: `${lease.namespace}/${lease.name}`,
    namespace: lease.namespace,
    name: lease.name,
    client: lease.client,
    exporter: lease.exporter,
    selector: formatSelector(lease.selector),
    ready,
    endsAt: plannedEnd(lease),
    durationMs: lease.durationMs,
    queue: estimate ? { position: estimate.position, eta: estimate.estimatedStart } : undefined,
    conditions: lease.conditions.map(({ type, status, reason, message }) => ({
      type,
      status,
      reason,
      message,
    })),
    mine: works(viewer, lease),
  };
}

/** Open leases by `namespace/exporter`. */
function holders(controller: Controller): Map<string, LeaseRecord> {
  const byExporter = new Map<string, LeaseRecord>();
  for (const lease of controller.leases.values()) {
    if (!lease.ended && lease.exporter) {
      byExporter.set(`${lease.namespace}/${lease.exporter}`, lease);
    }
  }
  return byExporter;
}

/** Everything `viewer` may see, now. */
export function snapshot(controller: Controller, viewer: Identity) {
  const held = holders(controller);
  const exporters: ExporterRow[] = [];
  for (const record of controller.exporters.values()) {
    if (!sees(viewer, record.namespace)) continue;
    exporters.push(exporterRow(record, held.get(`${record.namespace}/${record.name}`)));
  }
  const leases: LeaseRow[] = [];
  for (const lease of controller.leases.values()) {
    if (!lease.ended && sees(viewer, lease.namespace)) {
      leases.push(leaseRow(controller, lease, viewer));
    }
  }
  return {
    me: { name: viewer.name, namespace: viewer.namespace, admin: isAdmin(viewer) },
    exporters,
    leases,
  };
}
