/**
 * What `jumpstarter lease ...`, `exporters list` and `admin status` do: ask
 * the controller of the configured client. Their command tree is in
 * `lease_commands.ts`, which loads this module only when one of them runs
 * (so `--help` and driver commands do not load the controller client).
 *
 * @module
 */
import type { Command } from "commander";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { resolveClientConfig } from "../config/client_config.ts";
import { FailedPreconditionError } from "../driver/errors.ts";
import { ControllerClient } from "../client/controller_client.ts";
import { parseDuration } from "../client/duration.ts";
import {
  formatQueueLine,
  leaseCondition,
  leaseShortName,
  type queueStatus,
} from "../client/lease_status.ts";
import { exporterRow, leaseColumns, leaseRow } from "./lease_rows.ts";
import { waitForLease } from "../client/lease_wait.ts";
import { parseSelector } from "../controller/selector.ts";
import { controllerUrl } from "../transport/controller_transport.ts";
import { printList } from "./output.ts";
import { terminal, UsageError } from "./run.ts";
import { whileSignalled } from "./interrupt.ts";

/** Opens the controller client of the configured client (or fails with what to do). */
export async function controllerFor(program: Command): Promise<ControllerClient> {
  const explicit = program.opts<{ clientConfig?: string }>().clientConfig;
  const config = await resolveClientConfig(explicit);
  if (!config) {
    throw new FailedPreconditionError(
      "No client config: pass --client-config FILE, set JMP_CLIENT_CONFIG, or import one (jumpstarter config client import FILE)",
    );
  }
  return new ControllerClient(config);
}

/** Prints "waiting" lines for a pending lease: redrawn on a terminal, one per change elsewhere. */
export function waitPrinter(): (status: ReturnType<typeof queueStatus>) => void {
  let last = "";
  const tty = Deno.stderr.isTerminal();
  return (status) => {
    const line = formatQueueLine(status);
    if (line === last) return;
    last = line;
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K${line}`));
    else terminal.err(line);
  };
}

/** `lease create`. */
export async function leaseCreate(
  program: Command,
  options: {
    selector?: string;
    exporter?: string;
    duration: string;
    beginTime?: string;
    requeue?: boolean;
    wait?: boolean;
    timeout?: string;
    waitForExporter?: boolean;
    leaseId?: string;
    tag?: string[];
    context?: string[];
    output: string;
  },
): Promise<void> {
  // Every option is checked before the lease exists: a bad one leaves nothing behind.
  const tags = keyValues(options.tag, "--tag");
  const context = keyValues(options.context, "--context");
  if (!options.selector && !options.exporter) {
    throw new UsageError("Give --selector or --exporter");
  }
  if (options.selector) parseSelector(options.selector);
  const beginTime = options.beginTime ? new Date(options.beginTime) : undefined;
  if (beginTime && Number.isNaN(beginTime.getTime())) {
    throw new UsageError(`Invalid --begin-time "${options.beginTime}": use an ISO date`);
  }
  const durationMs = parseDuration(options.duration);
  if (options.timeout !== undefined && !options.wait) {
    throw new UsageError("--timeout goes with --wait");
  }
  if (options.waitForExporter && !options.wait) {
    throw new UsageError("--wait-for-exporter goes with --wait");
  }
  const timeoutMs = options.timeout !== undefined ? parseDuration(options.timeout) : undefined;
  await using controller = await controllerFor(program);
  let created = await controller.createLease({
    selector: options.selector,
    exporterName: options.exporter,
    durationMs,
    beginTime,
    requeueOnExporterLoss: options.requeue === true,
    leaseId: options.leaseId,
    tags,
    context,
  });
  const name = leaseShortName(created);
  const unsatisfiable = leaseCondition(created, "Unsatisfiable");
  if (created.effectiveEndTime && unsatisfiable?.status === "True") {
    throw new FailedPreconditionError(
      `Lease "${name}" cannot be satisfied: ${unsatisfiable.message || unsatisfiable.reason}`,
    );
  }
  if (options.wait) {
    try {
      created = await whileSignalled((signal) =>
        waitForLease(controller, name, {
          timeoutMs,
          onWait: waitPrinter(),
          signal,
          waitForExporter: options.waitForExporter || undefined,
        })
      );
    } catch (error) {
      // The lease was made for this wait: give it back rather than leave it queued.
      await controller.releaseLease(name).catch(() => {});
      throw error;
    } finally {
      if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
    }
  }
  printList([leaseRow(created)], options.output, [...leaseColumns], (r) => r.name);
}

/** `KEY=VALUE` options as a record; a malformed one is a usage error naming it. */
export function keyValues(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UsageError(`Invalid ${flag} "${item}": use KEY=VALUE`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** `lease list`. */
export async function leaseList(
  program: Command,
  options: { all?: boolean; filter?: string; output: string },
): Promise<void> {
  await using controller = await controllerFor(program);
  const leases = await controller.listLeases({ all: options.all, filter: options.filter });
  printList(leases.map(leaseRow), options.output, [...leaseColumns], (r) => r.name);
}

/** `lease get`. */
export async function leaseGet(
  program: Command,
  name: string,
  options: { output: string },
): Promise<void> {
  await using controller = await controllerFor(program);
  printList(
    [leaseRow(await controller.getLease(name))],
    options.output,
    [...leaseColumns],
    (r) => r.name,
  );
}

/** `lease extend`. */
export async function leaseExtend(
  program: Command,
  name: string,
  options: { duration: string },
): Promise<void> {
  await using controller = await controllerFor(program);
  const lease = await controller.extendLease(name, parseDuration(options.duration));
  terminal.out(
    `Lease ${name} now ends ${
      lease.endTime
        ? timestampDate(lease.endTime).toISOString()
        : "after its start + " + options.duration
    }`,
  );
}

/** `lease release`. */
export async function leaseRelease(program: Command, names: string[]): Promise<void> {
  await using controller = await controllerFor(program);
  for (const name of names) {
    await controller.releaseLease(name);
    terminal.out(`Released lease ${name}`);
  }
}

/** `exporters list`. */
export async function exportersList(
  program: Command,
  options: { selector?: string; output: string },
): Promise<void> {
  if (options.selector) parseSelector(options.selector);
  await using controller = await controllerFor(program);
  const list = await controller.listExporters(options.selector ?? "");
  printList(list.map(exporterRow), options.output, [
    "name",
    "labels",
    "online",
    "status",
    "lease",
    "client",
  ], (r) => r.name);
}

/** `admin status`. */
export async function adminStatus(program: Command, options: { output: string }): Promise<void> {
  const explicit = program.opts<{ clientConfig?: string }>().clientConfig;
  const config = await resolveClientConfig(explicit);
  if (!config) {
    throw new FailedPreconditionError(
      "No client config: pass --client-config FILE or set JMP_CLIENT_CONFIG",
    );
  }
  const ca = config.tls.ca ? atob(config.tls.ca) : undefined;
  using client = Deno.createHttpClient(ca ? { caCerts: [ca] } : {});
  const rows = [];
  for (const endpoint of config.endpoint.split(",").map((e) => controllerUrl(e.trim()))) {
    try {
      const res = await fetch(`${endpoint}/healthz`, {
        client,
        signal: AbortSignal.timeout(3000),
      });
      const health = await res.json() as { replica?: string; leader?: boolean; store?: string };
      rows.push({
        endpoint,
        status: "up",
        replica: health.replica ?? "",
        leader: health.leader ?? false,
        store: health.store ?? "",
      });
    } catch (error) {
      rows.push({
        endpoint,
        status: `down (${(error as Error).message.split("\n")[0]})`,
        replica: "",
        leader: false,
        store: "",
      });
    }
  }
  printList(
    rows,
    options.output,
    ["endpoint", "status", "replica", "leader", "store"],
    (r) => r.endpoint,
  );
}
