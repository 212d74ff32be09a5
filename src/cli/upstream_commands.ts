/**
 * Upstream's `jmp` verbs, for users who type them: `get leases|exporters`,
 * `create lease`, `delete leases`, `update lease`. Each maps onto this
 * project's lease calls (see docs/upstream.md); what they do is in
 * `upstream_actions.ts` and `lease_actions.ts`, loaded when one runs.
 *
 * @module
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { leaseCreateOptions } from "./lease_commands.ts";
import { outputOption } from "./output_option.ts";

const actions = () => import("./upstream_actions.ts");
const leaseActions = () => import("./lease_actions.ts");

const example = (...lines: string[]) =>
  `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  $ ${l}\n`).join("")}`;

function pageSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`"${value}" is not a whole number of at least 1`);
  }
  return n;
}

/** Adds `get`, `create`, `delete` and `update` to the program. */
export function addUpstreamVerbs(program: Command): void {
  const get = program.command("get").description("Show leases or exporters (upstream's jmp get)");
  get
    .command("leases")
    .alias("lease")
    .description("List your leases, or show one by name")
    .argument("[name]", "one lease")
    .option("-l, --selector <selector>", "only leases whose labels match")
    .option("-a, --all", "include ended leases")
    .option("-A, --all-clients", "every client's leases (when an access policy allows it)")
    .option("--tag-filter <selector>", "only leases whose tags match, e.g. build=1234")
    .option("--page-size <n>", "leases fetched per call", pageSize, 100)
    .addOption(outputOption())
    .addHelpText(
      "after",
      example(
        "jumpstarter get leases -o yaml",
        "jumpstarter get leases -A --tag-filter build=1234",
      ),
    )
    .action(async (name: string | undefined, options) =>
      (await actions()).getLeases(program, name, options)
    );
  get
    .command("exporters")
    .alias("exporter")
    .description("List the exporters you may see, with what --with adds")
    .option("-l, --selector <selector>", "only exporters whose labels match")
    .option("--with <fields>", "add columns: leases, online, status (comma-separated)", "")
    .option("--page-size <n>", "exporters fetched per call", pageSize, 100)
    .addOption(new Option("--show-hidden-labels", "labels the controller hides").hideHelp())
    .addOption(outputOption())
    .addHelpText(
      "after",
      example("jumpstarter get exporters -l board=virtual --with leases,status"),
    )
    .action(async (options) => (await actions()).getExporters(program, options));

  const create = program.command("create").description("Create a lease (upstream's jmp create)");
  leaseCreateOptions(
    create.command("lease").description("Lease a board (as `lease create`; prints its name)"),
  )
    .option("-n, --name <exporter>", "lease this exporter (upstream's spelling of --exporter)")
    .addOption(outputOption().default("name"))
    .addHelpText(
      "after",
      example(
        "JMP_LEASE=$(jumpstarter create lease -l board=virtual -d 1h --tag build=42)",
        "jumpstarter create lease -n bench-1 -d 30m --lease-id nightly-42 --context sha=1f2e3d",
      ),
    )
    .action(async (options) =>
      (await leaseActions()).leaseCreate(program, {
        ...options,
        exporter: options.exporter ?? options.name,
      })
    );

  program
    .command("delete")
    .description("Release leases (upstream's jmp delete)")
    .command("leases")
    .alias("lease")
    .description("Release leases by name, by selector (-l) or all of yours (--all)")
    .argument("[names...]", "lease names")
    .option("-l, --selector <selector>", "your active leases whose labels match")
    .option("-a, --all", "all your active leases")
    .addOption(new Option("-o, --output <format>", "name: print only names").choices(["name"]))
    .addHelpText(
      "after",
      example("jumpstarter delete leases 0193a8f2-...", "jumpstarter delete leases --all"),
    )
    .action(async (names: string[], options) =>
      (await actions()).deleteLeases(program, names, options)
    );

  program
    .command("update")
    .description("Change a lease (upstream's jmp update)")
    .command("lease")
    .description("Extend a lease, move its begin time, or give it to another client")
    .argument("<name>", "lease name")
    .option("-d, --duration <duration>", "new total duration, e.g. 2h")
    .option("--begin-time <iso>", "start no earlier than this time (a lease not begun yet)")
    .option("--to-client <client>", "give the lease to this client of your namespace")
    .addOption(outputOption())
    .addHelpText(
      "after",
      example(
        "jumpstarter update lease 0193a8f2-... -d 2h",
        "jumpstarter update lease 0193a8f2-... --to-client bob",
      ),
    )
    .action(async (name: string, options) => (await actions()).updateLease(program, name, options));
}
