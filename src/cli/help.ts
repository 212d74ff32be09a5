/**
 * Help text shared by every command: the command line a command runs under,
 * and the `Example:` section each command's help ends with.
 *
 * @module
 */
import type { Command } from "commander";

/** The words that run `command`, from the program name down. */
export function commandLine(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  // A driver's commands not (yet) under a program still read as a full command line.
  if (!["jumpstarter", "exporter", "controller"].includes(names[0])) names.unshift("jumpstarter");
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
