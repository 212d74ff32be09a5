/**
 * What upstream's verbs do here (`get`, `delete`, `update`; `create lease`
 * is `lease create`). Their command tree is in `upstream_commands.ts`.
 *
 * @module
 */
import type { Command } from "commander";
import { parseDuration } from "../client/duration.ts";
import { leaseShortName } from "../client/lease_status.ts";
import { parseSelector } from "../controller/selector.ts";
import { controllerFor } from "./lease_actions.ts";
import { exporterRow, leaseColumns, leaseRow } from "./lease_rows.ts";
import { printList } from "./output.ts";
import { terminal, UsageError } from "./run.ts";

/** `get leases [NAME]`. */
export async function getLeases(
  program: Command,
  name: string | undefined,
  options: {
    selector?: string;
    all?: boolean;
    allClients?: boolean;
    tagFilter?: string;
    pageSize: number;
    output: string;
  },
): Promise<void> {
  if (name && (options.selector || options.tagFilter)) {
    throw new UsageError("NAME cannot be combined with --selector or --tag-filter");
  }
  if (options.selector) parseSelector(options.selector);
  if (options.tagFilter) parseSelector(options.tagFilter);
  await using controller = await controllerFor(program);
  const leases = name ? [await controller.getLease(name)] : await controller.listLeases({
    all: options.all,
    filter: options.selector,
    tagFilter: options.tagFilter,
    pageSize: options.pageSize,
  });
  const mine = `namespaces/${controller.namespace}/clients/${controller.config.metadata.name}`;
  const shown = name || options.allClients
    ? leases
    : leases.filter((l) => !l.client || l.client === mine);
  const rows = shown.map((l) => ({ ...leaseRow(l), client: l.client?.replace(/^.*\//, "") ?? "" }));
  printList(rows, options.output, [...leaseColumns, "client"], (r) => r.name);
}

/** `get exporters`. */
export async function getExporters(
  program: Command,
  options: { selector?: string; with: string; pageSize: number; output: string },
): Promise<void> {
  const extra = options.with.split(",").map((s) => s.trim()).filter(Boolean);
  for (const field of extra) {
    if (!["leases", "online", "status"].includes(field)) {
      throw new UsageError(`Invalid --with "${field}": use leases, online or status`);
    }
  }
  if (options.selector) parseSelector(options.selector);
  await using controller = await controllerFor(program);
  const list = await controller.listExporters(options.selector ?? "", options.pageSize);
  const columns: (keyof ReturnType<typeof exporterRow>)[] = ["name", "labels"];
  if (extra.includes("online")) columns.push("online");
  if (extra.includes("status")) columns.push("status");
  if (extra.includes("leases")) columns.push("lease", "client");
  printList(list.map(exporterRow), options.output, columns, (r) => r.name);
}

/** `delete leases`. */
export async function deleteLeases(
  program: Command,
  names: string[],
  options: { selector?: string; all?: boolean; output?: string },
): Promise<void> {
  if (names.length === 0 && !options.selector && !options.all) {
    throw new UsageError("Give lease NAMES, --selector or --all");
  }
  if (options.selector) parseSelector(options.selector);
  await using controller = await controllerFor(program);
  let targets = names;
  if (names.length === 0) {
    const mine = `namespaces/${controller.namespace}/clients/${controller.config.metadata.name}`;
    const leases = await controller.listLeases({ filter: options.selector });
    targets = leases.filter((l) => !l.client || l.client === mine).map(leaseShortName);
  }
  for (const name of targets) {
    await controller.releaseLease(name);
    terminal.out(options.output === "name" ? name : `lease "${name}" deleted`);
  }
}

/** `update lease`. */
export async function updateLease(
  program: Command,
  name: string,
  options: { duration?: string; beginTime?: string; toClient?: string; output: string },
): Promise<void> {
  if (!options.duration && !options.beginTime && !options.toClient) {
    throw new UsageError("Give --duration, --begin-time or --to-client");
  }
  const durationMs = options.duration ? parseDuration(options.duration) : undefined;
  const beginTime = options.beginTime ? new Date(options.beginTime) : undefined;
  if (beginTime && Number.isNaN(beginTime.getTime())) {
    throw new UsageError(`Invalid --begin-time "${options.beginTime}": use an ISO date`);
  }
  await using controller = await controllerFor(program);
  let lease = durationMs !== undefined ? await controller.extendLease(name, durationMs) : undefined;
  if (beginTime || options.toClient) {
    lease = await controller.updateLease(name, { beginTime, client: options.toClient });
  }
  const row = { ...leaseRow(lease!), client: lease!.client?.replace(/^.*\//, "") ?? "" };
  printList([row], options.output, [...leaseColumns, "client"], (r) => r.name);
}
