/**
 * Driver commands: connect to the target exporter, turn its driver tree into
 * commander subcommands (each client class adds its own), run one.
 *
 * @module
 */
import type { Command } from "commander";
import { connect } from "../client/connect.ts";
import type { CliOutput, DriverClient } from "../client/driver_client.ts";
import type { LogLevel } from "../log.ts";
import { resolveTarget } from "./local_target.ts";
import { terminal } from "./run.ts";

/** Adds one command per child driver (recursively for composites). */
export function addDriverCommands(
  parent: Command,
  node: DriverClient,
  output: CliOutput = terminal,
): void {
  for (const [name, child] of node.children) {
    const sub = parent
      .command(name)
      .description(child.description ?? `${child.constructor.name} "${name}"`)
      .exitOverride();
    child.cli(sub, output);
    addDriverCommands(sub, child, output);
    if (sub.commands.length === 0) {
      sub.action(() => output.err(`Driver "${name}" exports no commands`));
    }
  }
}

/** Connects, builds the driver commands and runs the one in `argv`. */
export async function runDriverCommand(
  program: Command,
  argv: string[],
  options: { logLevel: LogLevel; exporterConfig?: string; clientConfig?: string; lease?: string },
): Promise<number> {
  const target = await resolveTarget(options);
  try {
    await using root = await connect(target.host);
    addDriverCommands(program, root);
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } finally {
    await target.close();
  }
}
