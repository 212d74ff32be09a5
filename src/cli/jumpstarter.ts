/**
 * The `jumpstarter` command tree: `shell`, `demo`, and driver commands built
 * from the connected exporter's driver tree (`jumpstarter power on`).
 *
 * @module
 */
import type { Command } from "commander";
import { type LogLevel, parseLogLevel } from "../log.ts";
import { terminal, UsageError } from "./run.ts";
import { VERSION } from "../version.ts";

const STATIC = new Set([
  "shell",
  "run",
  "demo",
  "version",
  "help",
  "lease",
  "exporters",
  "config",
  "admin",
  "get",
  "create",
  "delete",
  "update",
  "dashboard",
  "login",
  "auth",
  "driver",
  "completion",
]);
const VALUED = new Set(["--log-level", "--exporter-config", "--client-config", "--lease"]);

async function baseProgram(): Promise<Command> {
  const { Command, Option } = await import("commander");
  const program = new Command("jumpstarter")
    .description(
      "Drive boards (real or virtual) from the command line: power, console, storage and more.",
    )
    .version(VERSION, "-V, --version")
    .addOption(
      new Option("--log-level <level>", "log level: debug, info, warning, error").default(
        "warning",
      ),
    )
    .option(
      "--exporter-config <file>",
      "local mode: serve this exporter config in-process for the command",
    )
    .option(
      "--client-config <file>",
      "distributed mode: the ClientConfig to use (or JMP_CLIENT_CONFIG)",
    )
    .option("--lease <name>", "driver commands: use this lease of the client (or JMP_LEASE)")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (text) => terminal.err(text.trimEnd()) });
  program.addHelpText("after", footer);
  return program;
}

const footer = `
Driver commands:
  <driver> <method> [args...]   call a driver of the exporter, e.g. "jumpstarter power on";
                                "jumpstarter <driver> --help" lists its commands.
  The exporter is the one of the current session (JUMPSTARTER_HOST, set inside
  "jumpstarter shell"), else the lease given by --lease/JMP_LEASE (with a client
  config), else a local daemon ("exporter serve --local"), else, with no client
  config, the default exporter config (~/.config/jumpstarter/exporters/default.yaml,
  else the built-in virtual board) served in-process.

Examples:
  $ jumpstarter demo
  $ jumpstarter shell --exporter-config examples/virtual-board.yaml -- jumpstarter power on
  $ jumpstarter power on
  $ jumpstarter --exporter-config examples/virtual-board.yaml storage flash disk.img
  $ jumpstarter shell --selector board=virtual --duration 10m -- deno test -A examples/
  $ jumpstarter lease list -o yaml
  $ jumpstarter ssh -- uname -a        (ssh to the board through its network driver)`;

function firstCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return undefined;
    if (VALUED.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    return arg;
  }
  return undefined;
}

/** Options every driver command honours, read before the driver tree is known. */
export interface GlobalOptions {
  logLevel: LogLevel;
  exporterConfig?: string;
  clientConfig?: string;
  lease?: string;
}

function globalOptions(argv: string[]): GlobalOptions {
  const options: GlobalOptions = { logLevel: "warning" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (!VALUED.has(flag)) continue;
    const value = inline ?? argv[i + 1];
    if (value === undefined) throw new UsageError(`Option ${flag} needs a value`);
    if (flag === "--log-level") options.logLevel = parseLogLevel(value);
    else if (flag === "--exporter-config") options.exporterConfig = value;
    else if (flag === "--client-config") options.clientConfig = value;
    else options.lease = value;
  }
  return options;
}

/** `argv` without the global options and their values: the driver command's own words. */
function withoutGlobals(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (VALUED.has(argv[i])) i++;
    else if (!VALUED.has(argv[i].split("=", 1)[0])) words.push(argv[i]);
  }
  return words;
}

/** Runs the `jumpstarter` CLI with `argv` (without the program name). */
export async function jumpstarterMain(argv: string[]): Promise<number> {
  const command = firstCommand(argv);
  if (command !== undefined && !STATIC.has(command)) {
    if (command === "ssh") {
      const { runSshCommand } = await import("./ssh_command.ts");
      return await runSshCommand(await baseProgram(), argv, globalOptions(argv));
    }
    // Commander loads only if the command is not a plain driver call (driver_commands.ts).
    const { runDriverCommand } = await import("./driver_commands.ts");
    return await runDriverCommand(baseProgram, argv, globalOptions(argv), withoutGlobals(argv));
  }
  const program = await baseProgram();
  let status = 0;
  const { addShellCommand } = await import("./session_commands.ts");
  const { addDemoCommand } = await import("./demo.ts");
  const { addLeaseCommands } = await import("./lease_commands.ts");
  const { addConfigCommands } = await import("./config_commands.ts");
  const { addDashboardCommand } = await import("./dashboard_command.ts");
  addShellCommand(program, (code) => status = code);
  addDemoCommand(program);
  addLeaseCommands(program);
  addConfigCommands(program);
  addDashboardCommand(program);
  const { addUpstreamVerbs } = await import("./upstream_commands.ts");
  const { addDriverListCommand } = await import("./driver_list.ts");
  const { addCompletionCommand } = await import("./completion.ts");
  addUpstreamVerbs(program);
  const { addLoginCommands } = await import("./login_commands.ts");
  addLoginCommands(program);
  addDriverListCommand(program);
  addCompletionCommand(program);
  program.command("version").description("Print the version").action(() => terminal.out(VERSION));
  if (command === undefined && argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  await program.parseAsync(argv, { from: "user" });
  return status;
}
