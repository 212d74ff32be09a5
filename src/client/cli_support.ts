/**
 * Shared pieces of driver CLI commands: examples in help, usage errors,
 * option parsing. Driver clients build their commands with these.
 *
 * @module
 */
import type { Command } from "commander";

/** The words that run `command`, from the program name down. */
export function commandLine(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  // Program, driver, subcommand at least; a driver's commands not (yet) under a
  // program still read as a full command line.
  if (names.length < 3) names.unshift("jumpstarter");
  return names.join(" ");
}

/**
 * Adds an `Example:` section to `command`'s help; each entry is appended to
 * the command line. The text is built when help is shown, so the full
 * command path is known by then.
 */
export function addExamples(command: Command, ...examples: string[]): Command {
  return command.addHelpText("after", () => {
    const line = commandLine(command);
    const body = examples.map((args) => `  $ ${line}${args ? ` ${args}` : ""}`).join("\n");
    return `\nExample${examples.length > 1 ? "s" : ""}:\n${body}\n`;
  });
}

/** A bad command line (option value, argument); the CLI exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Ends a CLI command with `status` and no message, for commands whose exit
 * status is another program's (`jumpstarter shell-driver METHOD`).
 */
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit status ${status}`);
    this.name = "ExitStatus";
  }
}

/** Parses a numeric option value, or throws a UsageError naming the option and the value. */
export function parseNumberOption(
  option: string,
  text: string,
  { min = 0, integer = false }: { min?: number; integer?: boolean } = {},
): number {
  const value = Number(text);
  if (
    text.trim() === "" || !Number.isFinite(value) || value < min ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `Invalid ${option} "${text}": use a ${integer ? "whole number" : "number"} >= ${min}`,
    );
  }
  return value;
}
