/**
 * Driver commands: connect to the target exporter, turn its driver tree into
 * commander subcommands (each client class adds its own), run one.
 *
 * @module
 */
import type { Command } from "commander";
import { connect } from "../client/connect.ts";
import type { DriverClient } from "../client/driver_client.ts";
import type { CliOutput, CommandInput, CommandResult, DriverCommand } from "../client/commands.ts";
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

/** The key of an argument (`<image>`, `[args...]`) in a command's `args`: its bare name. */
function argumentKey(declared: string): string {
  return declared.replace(/^[<[]|(\.\.\.)?[>\]]$/g, "");
}

/** Ends the CLI with a command's `{ exitStatus }`, if it gave one that is not 0. */
function exitOn(result: CommandResult): void {
  // Only an explicit `{ exitStatus }` counts: an arrow body may return what it called.
  if (typeof result === "object" && result !== null && result.exitStatus !== 0) {
    throw new ExitStatus(result.exitStatus);
  }
}

/** Renders one driver command (data) as a subcommand of `parent`. */
export function addCommand(parent: Command, spec: DriverCommand, output: CliOutput): Command {
  const sub = parent.command(spec.name).description(spec.description);
  if (spec.aliases?.length) sub.aliases([...spec.aliases]);
  const names: string[] = [];
  for (const argument of spec.arguments ?? []) {
    sub.argument(argument.name, argument.description);
    names.push(argumentKey(argument.name));
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
    exitOn(await spec.run({ args, options, output }));
  });
  addExamples(sub, ...spec.examples);
  return sub;
}

/**
 * The command `argv` names when it is a plain call: driver path, command name
 * or alias, and positional values that fit its arguments, with no option
 * (nothing starting with `-`) and a command without option defaults. Such a
 * call runs without building the command tree; anything else (help, options,
 * a wrong count, an unknown name) goes through commander, which also words
 * the errors.
 */
export function plainCall(
  root: DriverClient,
  argv: readonly string[],
): { spec: DriverCommand; args: CommandInput["args"] } | undefined {
  if (argv.some((arg) => arg.startsWith("-"))) return undefined;
  let node = root;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    // Commander finds a node's commands before its child drivers (they are added first).
    const spec = i === 0
      ? undefined
      : node.commands().find((c) => c.name === word || c.aliases?.includes(word));
    if (spec) return plainArgs(spec, argv.slice(i + 1));
    const child = node.children.get(word);
    if (!child) return undefined;
    node = child;
  }
  return undefined;
}

function plainArgs(
  spec: DriverCommand,
  values: readonly string[],
): { spec: DriverCommand; args: CommandInput["args"] } | undefined {
  if (spec.options?.some((o) => o.default !== undefined || o.repeatable || /--no-/.test(o.flags))) {
    return undefined;
  }
  const declared = spec.arguments ?? [];
  const args: CommandInput["args"] = {};
  let used = 0;
  for (const argument of declared) {
    const name = argumentKey(argument.name);
    const required = argument.name.startsWith("<");
    if (/\.\.\.[>\]]$/.test(argument.name)) {
      if (required && used >= values.length) return undefined;
      args[name] = values.slice(used);
      used = values.length;
    } else if (used < values.length) {
      args[name] = values[used++];
    } else if (required) {
      return undefined;
    } else {
      args[name] = undefined;
    }
  }
  return used === values.length ? { spec, args } : undefined;
}

/**
 * Connects and runs the driver command in `argv` (`words`: `argv` without
 * the global options): a plain call at once, anything else through the
 * commander tree `program()` gives, with every driver's commands added
 * (loaded only then: commander and the Node modules it needs cost ~45 ms of
 * start-up here).
 */
export async function runDriverCommand(
  program: () => Promise<Command>,
  argv: string[],
  options: { logLevel: LogLevel; exporterConfig?: string; clientConfig?: string; lease?: string },
  words: readonly string[],
): Promise<number> {
  const target = await resolveTarget(options);
  try {
    const { registry } = await import("./builtin_drivers.ts");
    await using root = await connect(target.host, {
      registry,
      drivers: target.drivers,
      direct: target.direct,
    });
    const plain = plainCall(root, words);
    if (plain) {
      exitOn(await plain.spec.run({ args: plain.args, options: {}, output: terminal }));
      return 0;
    }
    const tree = await program();
    addDriverCommands(tree, root);
    await tree.parseAsync(argv, { from: "user" });
    return 0;
  } finally {
    await target.close();
  }
}
