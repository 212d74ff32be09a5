/**
 * `jumpstarter lease ...`, `jumpstarter exporters list` and `jumpstarter
 * admin status`: the distributed-mode command tree. What each command does
 * is in `lease_actions.ts`, loaded when one runs, so `--help` stays quick.
 *
 * @module
 */
import type { Command } from "commander";
import { outputOption } from "./output_option.ts";

const actions = () => import("./lease_actions.ts");

/** The options of `lease create` (and of upstream's `create lease`). */
export function leaseCreateOptions(command: Command): Command {
  return command
    .option("-l, --selector <selector>", "label selector, e.g. board=virtual,arch in (arm64,x86)")
    .option("--exporter <name>", "lease this exporter")
    .requiredOption("-d, --duration <duration>", "e.g. 30m, 2h")
    .option("--begin-time <iso>", "start no earlier than this time")
    .option("--requeue", "if the exporter goes offline, re-queue for another matching one")
    .option("--wait", "wait until the lease is ready")
    .option("--timeout <duration>", "with --wait: give up after this long")
    .option(
      "--wait-for-exporter",
      "with --wait: keep waiting while no exporter matches at all (else that fails at once)",
    )
    .option("--lease-id <name>", "ask for this lease name instead of a generated one")
    .option("--tag <key=value>", "tag the lease (repeatable)", collect, [])
    .option(
      "--context <key=value>",
      "keep this context with the lease, e.g. build=1234 (repeatable)",
      collect,
      [],
    );
}

function collect(value: string, all: string[]): string[] {
  return [...all, value];
}

/** Adds `lease`, `exporters` and `admin` to the program. */
export function addLeaseCommands(program: Command): void {
  const lease = program.command("lease").description(
    "Create, list, extend and release leases on a controller",
  );
  leaseCreateOptions(
    lease
      .command("create")
      .description("Lease a board matching a selector (or a named exporter) for a duration"),
  )
    .addOption(outputOption().default("name"))
    .addHelpText(
      "after",
      "\nExamples:\n  $ jumpstarter lease create --selector board=virtual --duration 30m\n  $ jumpstarter lease create --exporter bench-1 --duration 1h --wait\n",
    )
    .action(async (options) => (await actions()).leaseCreate(program, options));
  lease
    .command("list")
    .description("List your leases (active ones unless --all)")
    .option("--all", "include ended leases")
    .option("--filter <selector>", "only leases whose labels match")
    .addOption(outputOption())
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease list -o yaml\n")
    .action(async (options) => (await actions()).leaseList(program, options));
  lease
    .command("get")
    .description("Show one lease with its conditions, queue position and estimated start")
    .argument("<name>", "lease name")
    .addOption(outputOption().default("yaml"))
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease get 0193a8f2-...\n")
    .action(async (name: string, options) => (await actions()).leaseGet(program, name, options));
  lease
    .command("extend")
    .description("Change a lease's total duration (counted from its start)")
    .argument("<name>", "lease name")
    .requiredOption("-d, --duration <duration>", "new total duration, e.g. 2h")
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease extend 0193a8f2-... --duration 2h\n")
    .action(async (name: string, options) => (await actions()).leaseExtend(program, name, options));
  lease
    .command("release")
    .description("Release a lease (the board becomes free for the next in the queue)")
    .argument("<names...>", "lease names")
    .addHelpText("after", "\nExample:\n  $ jumpstarter lease release 0193a8f2-...\n")
    .action(async (names: string[]) => (await actions()).leaseRelease(program, names));

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
    .action(async (options) => (await actions()).exportersList(program, options));

  program
    .command("admin")
    .description("Controller operations seen from a client")
    .command("status")
    .description(
      "Show every controller replica of the client config: reachable, replica id, leader, store",
    )
    .addOption(outputOption())
    .addHelpText("after", "\nExample:\n  $ jumpstarter admin status -o yaml\n")
    .action(async (options) => (await actions()).adminStatus(program, options));
}
