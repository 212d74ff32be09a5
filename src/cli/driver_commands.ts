/**
 * Driver commands: connect to the target exporter, turn its driver tree into
 * commander subcommands (each client class adds its own), run one.
 *
 * @module
 */
import type { Command } from "commander";
import { connect } from "../client/connect.ts";
import type { DriverClient } from "../client/driver_client.ts";
import type { CliOutput, CommandInput, DriverCommand } from "../client/commands.ts";
import type { LogLevel } from "../log.ts";
import { addExamples } from "./help.ts";
import { resolveTarget } from "./local_target.ts";
import { ExitStatus, terminal } from "./run.ts";

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
    for (const spec of child.commands()) {
      // The exporter's methods_description (from its config) is the help the lab wrote.
      const reported = child.report.methodsDescription[spec.name];
      addCommand(sub, reported ? { ...spec, description: reported } : spec, output);
    }
    addDriverCommands(sub, child, output);
    if (sub.commands.length === 0) {
      sub.action(() => output.err(`Driver "${name}" exports no commands`));
    }
  }
}

/** Renders one driver command (data) as a subcommand of `parent`. */
export function addCommand(parent: Command, spec: DriverCommand, output: CliOutput): Command {
  const sub = parent.command(spec.name).description(spec.description);
  if (spec.aliases?.length) sub.aliases([...spec.aliases]);
  const names: string[] = [];
  for (const argument of spec.arguments ?? []) {
    sub.argument(argument.name, argument.description);
    names.push(argument.name.replace(/^[<[]|(\.\.\.)?[>\]]$/g, ""));
  }
  for (const option of spec.options ?? []) {
    if (option.repeatable) {
      sub.option(option.flags, option.description, (v: string, all: string[]) => [...all, v], []);
    } else {
      sub.option(option.flags, option.description, option.default);
    }
  }
  if (spec.passThroughOptions) sub.allowUnknownOption();
  sub.action(async (...values: unknown[]) => {
    const args: Record<string, string | string[] | undefined> = {};
    names.forEach((name, i) => args[name] = values[i] as string | string[] | undefined);
    const options = values[names.length] as CommandInput["options"];
    const result = await spec.run({ args, options, output });
    // Only an explicit `{ exitStatus }` counts: an arrow body may return what it called.
    if (typeof result === "object" && result !== null && result.exitStatus !== 0) {
      throw new ExitStatus(result.exitStatus);
    }
  });
  addExamples(sub, ...spec.examples);
  return sub;
}

/** Connects, builds the driver commands and runs the one in `argv`. */
export async function runDriverCommand(
  program: Command,
  argv: string[],
  options: { logLevel: LogLevel; exporterConfig?: string; clientConfig?: string; lease?: string },
): Promise<number> {
  const target = await resolveTarget(options);
  try {
    const { registry } = await import("./builtin_drivers.ts");
    await using root = await connect(target.host, {
      registry,
      drivers: target.drivers,
      direct: target.direct,
    });
    addDriverCommands(program, root);
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } finally {
    await target.close();
  }
}
