/**
 * What the controller stores: identities (clients and exporters), the live
 * state of exporters, and leases. Plain JSON documents in the KvStore.
 *
 * @module
 */
import type { DriverReport } from "../driver/driver_report.ts";
import type { Selector } from "./selector.ts";

/** Who calls the controller. */
export type Kind = "Client" | "Exporter";

/** A registered client or exporter; its tokens are valid while `generation` matches. */
export interface Identity {
  kind: Kind;
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  /** Bumped by rotate; tokens of older generations are refused at once. */
  generation: number;
  createdAt: string;
  /** An exporter an admin disabled: the scheduler gives it no new leases. */
  disabled?: boolean;
}

/** Exporter status names (the wire's ExporterStatus without the prefix). */
export type ExporterStatusName =
  | "UNSPECIFIED"
  | "OFFLINE"
  | "AVAILABLE"
  | "BEFORE_LEASE_HOOK"
  | "LEASE_READY"
  | "AFTER_LEASE_HOOK"
  | "BEFORE_LEASE_HOOK_FAILED"
  | "AFTER_LEASE_HOOK_FAILED";

/** The live state of an exporter. */
export interface ExporterRecord {
  namespace: string;
  name: string;
  /** Labels it was registered with (identity labels win over labels it reports). */
  labels: Record<string, string>;
  reports: DriverReport[];
  status: ExporterStatusName;
  statusMessage: string;
  online: boolean;
  lastSeen: string;
  /** The controller replica holding its connection (several replicas share one store). */
  replica?: string;
}

/** A lease condition (the wire's Condition). */
export interface LeaseCondition {
  type: "Pending" | "Ready" | "Unsatisfiable" | "Invalid" | "ExporterOffline" | "ExporterStatus";
  status: "True" | "False";
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** A lease: a client's claim on one exporter for a time. */
export interface LeaseRecord {
  namespace: string;
  name: string;
  /** Queue order within a priority (assigned at creation). */
  seq: number;
  client: string;
  /**
   * The uid of the client identity that made it: a client deleted and made
   * again under the same name is another identity and does not own it.
   */
  clientUid?: string;
  selector: Selector;
  /** Lease a specific exporter by name instead of (or besides) the selector. */
  exporterName?: string;
  durationMs: number;
  /** Requested start; the lease stays pending until then. */
  beginTime?: string;
  priority: number;
  /** Re-queue for another matching exporter if the leased one goes offline. */
  requeueOnExporterLoss: boolean;
  /**
   * Set when the client that made it keeps it alive (our sessions that
   * release on exit do; upstream clients do not): a lease whose client is
   * silent this long is ended by the leader.
   */
  clientKeepaliveMs?: number;
  /** Labels of the lease itself (the selector's match labels, as upstream). */
  labels: Record<string, string>;
  tags: Record<string, string>;
  /** May take a disabled exporter (with `exporterName` only). */
  allowDisabled?: boolean;
  /** The client's context given at creation (absent in records from before it was kept). */
  context?: Record<string, string>;
  createdAt: string;
  exporter?: string;
  effectiveBeginTime?: string;
  /** When it ended (released, expired, unsatisfiable). */
  endTime?: string;
  released: boolean;
  ended: boolean;
  conditions: LeaseCondition[];
}

/** Store keys, in one place. */
export const keys = {
  identity: (kind: Kind, namespace: string, name: string) =>
    `identities/${kind}/${namespace}/${name}`,
  identities: "identities/",
  exporter: (namespace: string, name: string) => `exporters/${namespace}/${name}`,
  exporters: "exporters/",
  lease: (namespace: string, name: string) => `leases/${namespace}/${name}`,
  leases: "leases/",
  signingKey: "keys/signing",
  leaseSeq: "meta/lease-seq",
  policies: "policies/",
  /** Present while a replica holds the exporter's connection; vanishes with that replica. */
  alive: (namespace: string, name: string) => `alive/${namespace}/${name}`,
  aliveAll: "alive/",
  /** Which lease holds an exporter: written with a guard so it can never be taken twice. */
  assignment: (namespace: string, exporter: string) => `assignments/${namespace}/${exporter}`,
  /** When a replica last heard from the client of a lease that carries a keepalive. */
  keepalive: (namespace: string, lease: string) => `keepalive/${namespace}/${lease}`,
  keepalives: "keepalive/",
  /** Dial requests waiting for the replica that holds the exporter's Listen stream. */
  dial: (namespace: string, lease: string, id: string) => `dials/${namespace}/${lease}/${id}`,
  dials: "dials/",
};

/** Sets (or replaces) the condition of `type` on a lease. */
export function setCondition(
  lease: LeaseRecord,
  type: LeaseCondition["type"],
  status: "True" | "False",
  reason: string,
  message = "",
): void {
  const now = new Date().toISOString();
  const existing = lease.conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status !== status) existing.lastTransitionTime = now;
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
  } else {
    lease.conditions.push({ type, status, reason, message, lastTransitionTime: now });
  }
}

/** The condition of `type` if it is True. */
export function conditionTrue(
  lease: LeaseRecord,
  type: LeaseCondition["type"],
): LeaseCondition | undefined {
  return lease.conditions.find((c) => c.type === type && c.status === "True");
}

/** When an active lease ends if nobody releases or extends it. */
export function plannedEnd(lease: LeaseRecord): number | undefined {
  if (!lease.effectiveBeginTime) return undefined;
  return Date.parse(lease.effectiveBeginTime) + lease.durationMs;
}

/** Access policy: which clients may lease which exporters, for how long, at what priority. */
export interface AccessPolicy {
  name: string;
  /** Exporters this policy covers (selector string form). */
  exporterSelector: string;
  /** Clients it admits (selector string form; empty admits every client). */
  clientSelector: string;
  /** Longest lease, in ms; absent means unlimited. */
  maxDurationMs?: number;
  /** Priority given to leases it admits (higher first). */
  priority: number;
  /** The clients it admits see every lease of the namespace in ListLeases, not only theirs. */
  viewAllLeases?: boolean;
}
