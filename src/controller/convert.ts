/**
 * Conversions between the controller's records and wire messages.
 *
 * @module
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Duration, durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import type {
  ConditionSchema,
  LabelSelector,
  LabelSelectorSchema,
} from "../gen/jumpstarter/v1/kubernetes_pb.ts";
import type { ExporterSchema, LeaseSchema } from "../gen/jumpstarter/client/v1/client_pb.ts";
import type { DriverInstanceReport } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import type { DriverReport } from "../driver/driver_report.ts";
import type { ExporterRecord, ExporterStatusName, LeaseCondition, LeaseRecord } from "./model.ts";
import { checkSelector } from "./check_selector.ts";
import { formatSelector } from "./format_selector.ts";
import type { Selector } from "./selector.ts";
import type { QueueEstimate } from "./queue.ts";

/** Context keys a lease carries besides upstream's fields. */
export const CONTEXT = {
  position: "jumpstarter.dev/queue-position",
  estimatedStart: "jumpstarter.dev/estimated-start",
  requeue: "jumpstarter.dev/requeue-on-exporter-loss",
  priority: "jumpstarter.dev/priority",
  /**
   * Asked for at create ("true") by a client that keeps its lease alive with
   * GetLease calls; answered with the timeout in milliseconds.
   */
  keepalive: "jumpstarter.dev/client-keepalive",
};

/** Wire enum → status name. */
export function statusName(status: ExporterStatus): ExporterStatusName {
  return (ExporterStatus[status] ?? "UNSPECIFIED") as ExporterStatusName;
}

/** Status name → wire enum. */
export function statusEnum(name: ExporterStatusName): ExporterStatus {
  return ExporterStatus[name] ?? ExporterStatus.UNSPECIFIED;
}

function time(iso: string | undefined) {
  return iso ? timestampFromDate(new Date(iso)) : undefined;
}

/** A condition as the wire's Condition. */
export function conditionMessage(c: LeaseCondition): MessageInitShape<typeof ConditionSchema> {
  const at = Date.parse(c.lastTransitionTime);
  return {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    lastTransitionTime: { seconds: BigInt(Math.floor(at / 1000)), nanos: (at % 1000) * 1e6 },
  };
}

/** A structured selector from the wire, checked. */
export function selectorFromWire(selector: LabelSelector | undefined): Selector {
  return checkSelector({
    matchLabels: { ...(selector?.matchLabels ?? {}) },
    matchExpressions: (selector?.matchExpressions ?? []).map((r) => ({
      key: r.key,
      operator: r.operator as "In",
      values: [...r.values],
    })),
  });
}

/** A selector as the wire's LabelSelector. */
export function selectorToWire(selector: Selector): MessageInitShape<typeof LabelSelectorSchema> {
  return {
    matchLabels: selector.matchLabels,
    matchExpressions: selector.matchExpressions.map((r) => ({ ...r })),
  };
}

/** Milliseconds of a wire Duration. */
export function durationMs(duration: Duration | undefined): number {
  if (!duration) return 0;
  return Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6);
}

/** A lease as the client API's Lease. */
export function leaseMessage(
  lease: LeaseRecord,
  estimate?: QueueEstimate,
): MessageInitShape<typeof LeaseSchema> {
  const context: Record<string, string> = {
    ...lease.context,
    [CONTEXT.priority]: String(lease.priority),
  };
  if (lease.requeueOnExporterLoss) context[CONTEXT.requeue] = "true";
  if (lease.clientKeepaliveMs) context[CONTEXT.keepalive] = String(lease.clientKeepaliveMs);
  if (estimate) {
    context[CONTEXT.position] = String(estimate.position);
    if (estimate.estimatedStart !== undefined) {
      context[CONTEXT.estimatedStart] = new Date(estimate.estimatedStart).toISOString();
    }
  }
  const begin = lease.effectiveBeginTime ? Date.parse(lease.effectiveBeginTime) : undefined;
  const plannedEndMs = begin !== undefined ? begin + lease.durationMs : undefined;
  const effectiveEnd = lease.endTime ? Date.parse(lease.endTime) : undefined;
  return {
    name: `namespaces/${lease.namespace}/leases/${lease.name}`,
    selector: formatSelector(lease.selector),
    duration: durationFromMs(lease.durationMs),
    effectiveDuration: begin !== undefined
      ? durationFromMs((effectiveEnd ?? Date.now()) - begin)
      : durationFromMs(0),
    beginTime: time(lease.beginTime),
    effectiveBeginTime: time(lease.effectiveBeginTime),
    endTime: plannedEndMs !== undefined ? timestampFromDate(new Date(plannedEndMs)) : undefined,
    effectiveEndTime: time(lease.endTime),
    client: `namespaces/${lease.namespace}/clients/${lease.client}`,
    exporter: lease.exporter
      ? `namespaces/${lease.namespace}/exporters/${lease.exporter}`
      : undefined,
    conditions: lease.conditions.map(conditionMessage),
    exporterName: lease.exporterName,
    tags: lease.tags,
    context,
  };
}

/** An exporter as the client API's Exporter. */
export function exporterMessage(
  exporter: ExporterRecord,
  disabled = false,
): MessageInitShape<typeof ExporterSchema> {
  return {
    name: `namespaces/${exporter.namespace}/exporters/${exporter.name}`,
    labels: exporter.labels,
    online: exporter.online,
    status: statusEnum(exporter.online ? exporter.status : "OFFLINE"),
    statusMessage: exporter.statusMessage,
    enabled: !disabled,
  };
}

/** A wire DriverInstanceReport as the plain report the controller stores. */
export function reportFromWire(report: DriverInstanceReport): DriverReport {
  return {
    uuid: report.uuid,
    parentUuid: report.parentUuid || undefined,
    labels: { ...report.labels },
    description: report.description,
    methodsDescription: { ...report.methodsDescription },
  };
}

/** Splits `namespaces/NS/KIND/NAME` (or a bare name) into namespace and name. */
export function parseResourceName(
  text: string,
  kind: string,
  defaultNamespace: string,
): { namespace: string; name: string } {
  const m = text.match(new RegExp(`^namespaces/([^/]+)/${kind}/([^/]+)$`));
  if (m) return { namespace: m[1], name: m[2] };
  if (text.includes("/")) {
    throw new TypeError(`Invalid ${kind} name "${text}": use namespaces/NS/${kind}/NAME or NAME`);
  }
  if (text === "") throw new TypeError(`Missing ${kind} name`);
  return { namespace: defaultNamespace, name: text };
}
