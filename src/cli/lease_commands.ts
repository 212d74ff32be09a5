/**
 * `jumpstarter lease ...`, `jumpstarter exporters list` and
 * `jumpstarter config client ...`: the distributed-mode commands.
 *
 * @module
 */
import type { Command } from "commander";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Exporter, Lease } from "../gen/jumpstarter/client/v1/client_pb.ts";
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import {
  clientConfigPath,
  configDir,
  currentClientAlias,
  listClientAliases,
  loadClientConfig,
  resolveClientConfig,
  useClientAlias,
} from "../config/client_config.ts";
import { FailedPreconditionError } from "../driver/errors.ts";
import { ControllerClient } from "../client/controller_client.ts";
import { formatDuration, parseDuration } from "../client/duration.ts";
import {
  formatEta,
  leaseCondition,
  leaseShortName,
  queueStatus,
  waitForLease,
} from "../client/lease.ts";
import { parseSelector } from "../controller/selector.ts";
import { controllerUrl } from "../transport/controller_transport.ts";
import { outputOption, printList } from "./output.ts";
import { terminal, UsageError } from "./run.ts";

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

function leaseState(lease: Lease): string {
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

function leaseRow(lease: Lease) {
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

const leaseColumns = [
  "name",
  "selector",
  "exporter",
  "state",
  "position",
  "eta",
  "duration",
  "end",
] as const;

function exporterRow(exporter: Exporter) {
  return {
    name: exporter.name.replace(/^.*\//, ""),
    labels: exporter.labels,
    online: exporter.online,
    status: ExporterStatus[exporter.status] ?? "UNSPECIFIED",
    lease: exporter.deprecatedLabels["jumpstarter.dev/lease"] ?? "",
    client: exporter.deprecatedLabels["jumpstarter.dev/client"] ?? "",
  };
}

/** Prints "waiting" lines for a pending lease: redrawn on a terminal, one per change elsewhere. */
export function waitPrinter(): (status: ReturnType<typeof queueStatus>) => void {
  let last = "";
  const tty = Deno.stderr.isTerminal();
  return (status) => {
    const where = status.position
      ? `position ${status.position} in the queue, estimated start ${
        formatEta(status.estimatedStart)
      }`
      : "waiting";
    const line = `Lease ${status.lease}: ${where}${status.message ? ` (${status.message})` : ""}`;
    if (line === last) return;
    last = line;
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K${line}`));
    else terminal.err(line);
  };
}

/** Adds `lease`, `exporters` and `config` to the program. */
export function addLeaseCommands(program: Command): void {
  const lease = program.command("lease").description(
    "Create, list, extend and release leases on a controller",
  );
  lease
    .command("create")
    .description("Lease a board matching a selector (or a named exporter) for a duration")
    .option("-l, --selector <selector>", "label selector, e.g. board=virtual,arch in (arm64,x86)")
    .option("--exporter <name>", "lease this exporter")
    .requiredOption("-d, --duration <duration>", "e.g. 30m, 2h")
    .option("--begin-time <iso>", "start no earlier than this time")
    .option("--requeue", "if the exporter goes offline, re-queue for another matching one")
    .option("--wait", "wait until the lease is ready")
    .option("--timeout <duration>", "with --wait: give up after this long")
    .addOption(outputOption().default("name"))
    .addHelpText(
      "after",
      "\nExamples:\n  $ jumpstarter lease create --selector board=virtual --duration 30m\n  $ jumpstarter lease create --exporter bench-1 --duration 1h --wait\n",
    )
    .action(async (options) => {
      if (!options.selector && !options.exporter) {
        throw new UsageError("Give --selector or --exporter");
      }
      if (options.selector) parseSelector(options.selector);
      const beginTime = options.beginTime ? new Date(options.beginTime) : undefined;
      if (beginTime && Number.isNaN(beginTime.getTime())) {
        throw new UsageError(`Invalid --begin-time "${options.beginTime}": use an ISO date`);
      }
      await using controller = await controllerFor(program);
      let created = await controller.createLease({
        selector: options.selector,
        exporterName: options.exporter,
        durationMs: parseDuration(options.duration),
        beginTime,
        requeueOnExporterLoss: options.requeue === true,
      });
      const name = leaseShortName(created);
      if (options.wait) {
        created = await waitForLease(controller, name, {
          timeoutMs: options.timeout ? parseDuration(options.timeout) : undefined,
          onWait: waitPrinter(),
        });
        if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
      }
      printList([leaseRow(created)], options.output, [...leaseColumns], (r) => r.name);
    });
  lease
    .command("list")
    .description("List your leases (active ones unless --all)")
    .option("--all", "include ended leases")
    .option("--filter <selector>", "only leases whose labels match")
    .addOption(outputOption())
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease list -o yaml\n")
    .action(async (options) => {
      await using controller = await controllerFor(program);
      const leases = await controller.listLeases({ all: options.all, filter: options.filter });
      printList(leases.map(leaseRow), options.output, [...leaseColumns], (r) => r.name);
    });
  lease
    .command("get")
    .description("Show one lease with its conditions, queue position and estimated start")
    .argument("<name>", "lease name")
    .addOption(outputOption().default("yaml"))
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease get 0193a8f2-...\n")
    .action(async (name: string, options) => {
      await using controller = await controllerFor(program);
      printList(
        [leaseRow(await controller.getLease(name))],
        options.output,
        [...leaseColumns],
        (r) => r.name,
      );
    });
  lease
    .command("extend")
    .description("Change a lease's total duration (counted from its start)")
    .argument("<name>", "lease name")
    .requiredOption("-d, --duration <duration>", "new total duration, e.g. 2h")
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease extend 0193a8f2-... --duration 2h\n")
    .action(async (name: string, options) => {
      await using controller = await controllerFor(program);
      const lease = await controller.extendLease(name, parseDuration(options.duration));
      terminal.out(
        `Lease ${name} now ends ${
          lease.endTime
            ? timestampDate(lease.endTime).toISOString()
            : "after its start + " + options.duration
        }`,
      );
    });
  lease
    .command("release")
    .description("Release a lease (the board becomes free for the next in the queue)")
    .argument("<names...>", "lease names")
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease release 0193a8f2-...\n")
    .action(async (names: string[]) => {
      await using controller = await controllerFor(program);
      for (const name of names) {
        await controller.releaseLease(name);
        terminal.out(`Released lease ${name}`);
      }
    });

  const exporters = program.command("exporters").description(
    "Exporters registered with the controller",
  );
  exporters
    .command("list")
    .description("List exporters with their labels, status and whether they are leased")
    .option("-l, --selector <selector>", "only exporters whose labels match")
    .addOption(outputOption())
    .addHelpText(
      "after",
      "\nExample:\n  $ jumpstarter exporters list --selector board=virtual -o json\n",
    )
    .action(async (options) => {
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
    });

  program
    .command("admin")
    .description("Controller operations seen from a client")
    .command("status")
    .description(
      "Show every controller replica of the client config: reachable, replica id, leader, store",
    )
    .addOption(outputOption())
    .addHelpText("after", "\nExample:\n  $ jumpstarter admin status -o yaml\n")
    .action(async (options) => {
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
    });

  const config = program.command("config").description(
    "Client configs stored in ~/.config/jumpstarter",
  );
  const client = config.command("client").description("Stored client configs (one is current)");
  client
    .command("list")
    .description("List stored client configs")
    .addOption(outputOption())
    .action(async (options) => {
      const current = await currentClientAlias();
      const rows = [];
      for (const alias of await listClientAliases()) {
        const c = await loadClientConfig(clientConfigPath(alias)).catch(() => undefined);
        rows.push({
          current: alias === current ? "*" : "",
          alias,
          endpoint: c?.endpoint ?? "(unreadable)",
          namespace: c?.metadata.namespace ?? "",
          name: c?.metadata.name ?? "",
        });
      }
      printList(
        rows,
        options.output,
        ["current", "alias", "endpoint", "namespace", "name"],
        (r) => r.alias,
      );
    });
  client
    .command("import")
    .description("Store a ClientConfig file (from `controller admin create client`) under an alias")
    .argument("<file>", "ClientConfig YAML")
    .option("--alias <name>", "alias (default: the client's name)")
    .option("--use", "make it the current client")
    .addHelpText("after", "\nExample:\n  $ jumpstarter config client import alice.yaml --use\n")
    .action(async (file: string, options) => {
      const parsed = await loadClientConfig(file);
      const alias = options.alias ?? parsed.metadata.name;
      await Deno.mkdir(`${configDir()}/clients`, { recursive: true, mode: 0o700 });
      const target = clientConfigPath(alias);
      await Deno.writeTextFile(target, await Deno.readTextFile(file), { mode: 0o600 });
      await Deno.chmod(target, 0o600);
      if (options.use || !(await currentClientAlias())) await useClientAlias(alias);
      terminal.out(`Imported client "${alias}" (${target})`);
    });
  client
    .command("use")
    .description("Make a stored client the current one")
    .argument("<alias>", "stored client alias")
    .action(async (alias: string) => {
      await useClientAlias(alias);
      terminal.out(`Using client "${alias}"`);
    });
  client
    .command("delete")
    .description("Delete a stored client config")
    .argument("<alias>", "stored client alias")
    .action(async (alias: string) => {
      await Deno.remove(clientConfigPath(alias)).catch(() => {
        throw new UsageError(`No stored client "${alias}"`);
      });
      if ((await currentClientAlias()) === alias) {
        await Deno.remove(`${configDir()}/config.yaml`).catch(() => {});
      }
      terminal.out(`Deleted client "${alias}"`);
    });
}
