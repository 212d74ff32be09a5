/**
 * The `jumpstarter` command tree: `shell`, `demo`, and driver commands built
 * from the connected exporter's driver tree (`jumpstarter power on`).
 *
 * @module
 */
import { Command, Option } from "commander";
import { type LogLevel, parseLogLevel } from "../log.ts";
import { terminal, UsageError } from "./run.ts";
import { VERSION } from "../version.ts";

const STATIC = new Set(["shell", "demo", "version", "help"]);

function baseProgram(): Command {
  return new Command("jumpstarter")
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
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (text) => terminal.err(text.trimEnd()) });
}

const footer = `
Driver commands:
  <driver> <method> [args...]   call a driver of the exporter, e.g. "jumpstarter power on";
                                "jumpstarter <driver> --help" lists its commands.
  The exporter is the one of the current session (JUMPSTARTER_HOST, set inside
  "jumpstarter shell"), else a local daemon ("exporter serve --local"), else the
  default exporter config (~/.config/jumpstarter/exporters/default.yaml, else the
  built-in virtual board) served in-process.

Examples:
  $ jumpstarter demo
  $ jumpstarter shell --exporter-config examples/virtual-board.yaml -- jumpstarter power on
  $ jumpstarter power on
  $ jumpstarter --exporter-config examples/virtual-board.yaml storage flash disk.img`;

function firstCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return undefined;
    if (arg === "--log-level" || arg === "--exporter-config") {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    return arg;
  }
  return undefined;
}

function globalOptions(argv: string[]): { logLevel: LogLevel; exporterConfig?: string } {
  let logLevel: LogLevel = "warning";
  let exporterConfig: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag !== "--log-level" && flag !== "--exporter-config") continue;
    const value = inline ?? argv[i + 1];
    if (value === undefined) throw new UsageError(`Option ${flag} needs a value`);
    if (flag === "--log-level") logLevel = parseLogLevel(value);
    else exporterConfig = value;
  }
  return { logLevel, exporterConfig };
}

/** Runs the `jumpstarter` CLI with `argv` (without the program name). */
export async function jumpstarterMain(argv: string[]): Promise<number> {
  const command = firstCommand(argv);
  const program = baseProgram();
  program.addHelpText("after", footer);
  let status = 0;
  if (command === undefined || STATIC.has(command)) {
    const { addShellCommand } = await import("./shell.ts");
    const { addDemoCommand } = await import("./demo.ts");
    addShellCommand(program, (code) => status = code);
    addDemoCommand(program);
    program.command("version").description("Print the version").action(() => terminal.out(VERSION));
    if (command === undefined && argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: "user" });
    return status;
  }
  const { runDriverCommand } = await import("./driver_commands.ts");
  return await runDriverCommand(program, argv, globalOptions(argv));
}
