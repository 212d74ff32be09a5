/**
 * Leases and exporters as rows of the CLI's lists (table, JSON, YAML, names):
 * the state line of a lease, its queue place, and an exporter's lease.
 *
 * @module
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Exporter, Lease } from "../gen/jumpstarter/client/v1/client_pb.ts";
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import { formatDuration } from "../client/duration.ts";
import { formatEta, leaseCondition, leaseShortName, queueStatus } from "../client/lease_status.ts";

/** One line saying where a lease stands. */
export function leaseState(lease: Lease): string {
  if (lease.effectiveEndTime) return `Ended (${leaseCondition(lease, "Ready")?.reason ?? "?"})`;
  if (leaseCondition(lease, "Ready")?.status === "True") {
    return leaseCondition(lease, "ExporterOffline")?.status === "True"
      ? "Ready (exporter offline)"
      : "Ready";
  }
  const unsatisfiable = leaseCondition(lease, "Unsatisfiable");
  if (unsatisfiable?.status === "True") return `Unsatisfiable (${unsatisfiable.reason})`;
  return `Pending (${leaseCondition(lease, "Pending")?.reason ?? "queued"})`;
}

/** A lease as a list row. */
export function leaseRow(lease: Lease) {
  const queue = queueStatus(lease);
  return {
    name: leaseShortName(lease),
    selector: lease.selector,
    exporter: lease.exporter?.replace(/^.*\//, "") ?? "",
    state: leaseState(lease),
    position: queue.position ?? "",
    eta: queue.position ? formatEta(queue.estimatedStart) : "",
    duration: lease.duration ? formatDuration(Number(lease.duration.seconds) * 1000) : "",
    begin: lease.effectiveBeginTime ? timestampDate(lease.effectiveBeginTime).toISOString() : "",
    end: lease.endTime ? timestampDate(lease.endTime).toISOString() : "",
    conditions: lease.conditions.map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
    })),
  };
}

/** The columns of a lease table. */
export const leaseColumns = [
  "name",
  "selector",
  "exporter",
  "state",
  "position",
  "eta",
  "duration",
  "end",
] as const;

/** An exporter as a list row (its lease and client from the controller's labels). */
export function exporterRow(exporter: Exporter) {
  return {
    name: exporter.name.replace(/^.*\//, ""),
    labels: exporter.labels,
    online: exporter.online,
    status: (ExporterStatus[exporter.status] ?? "UNSPECIFIED") +
      (exporter.enabled === false ? " (disabled)" : ""),
    lease: exporter.deprecatedLabels["jumpstarter.dev/lease"] ?? "",
    client: exporter.deprecatedLabels["jumpstarter.dev/client"] ?? "",
  };
}
