/**
 * Reading a lease as the controller reports it: its short name, its
 * conditions, and where it stands in the queue (with the estimated start
 * formatted for a progress line).
 *
 * @module
 */
import type { Lease } from "../gen/jumpstarter/client/v1/client_pb.ts";

/** Where a pending lease stands, for progress lines. */
export interface QueueStatus {
  lease: string;
  position?: number;
  estimatedStart?: Date;
  reason: string;
  message: string;
}

/** The short name of a `namespaces/NS/leases/NAME` resource. */
export function leaseShortName(lease: Lease | string): string {
  const name = typeof lease === "string" ? lease : lease.name;
  return name.replace(/^.*\//, "");
}

/** The condition of `type` on a wire lease. */
export function leaseCondition(lease: Lease, type: string) {
  return lease.conditions.find((c) => c.type === type);
}

/** Queue facts of a pending lease. */
export function queueStatus(lease: Lease): QueueStatus {
  const pending = leaseCondition(lease, "Pending");
  const position = lease.context["jumpstarter.dev/queue-position"];
  const eta = lease.context["jumpstarter.dev/estimated-start"];
  return {
    lease: leaseShortName(lease),
    position: position ? Number(position) : undefined,
    estimatedStart: eta ? new Date(eta) : undefined,
    reason: pending?.reason ?? "",
    message: pending?.message ?? "",
  };
}

/** Formats an estimated start for a progress line. */
export function formatEta(date: Date | undefined): string {
  if (!date) return "unknown";
  const ms = date.getTime() - Date.now();
  if (ms <= 1000) return "any moment";
  const minutes = Math.round(ms / 60000);
  return minutes < 1
    ? `in ${Math.round(ms / 1000)}s`
    : `in ~${minutes} min (${date.toLocaleTimeString()})`;
}

/** One line saying where a lease stands in the queue (`Lease L: position 2 in the queue, ...`). */
export function formatQueueLine(status: QueueStatus): string {
  const where = status.position
    ? `position ${status.position} in the queue, estimated start ${
      formatEta(status.estimatedStart)
    }`
    : "waiting";
  return `Lease ${status.lease}: ${where}${status.message ? ` (${status.message})` : ""}`;
}
