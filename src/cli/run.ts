/**
 * The edge every executable's `main` runs through: expected failures become
 * one line on stderr and an exit status, never a stack trace.
 *
 * @module
 */
import type { CommanderError } from "commander";
import { ConfigError } from "../driver/config_check.ts";
import { DriverError } from "../driver/driver_error.ts";
import type { CliOutput } from "../client/commands.ts";

/** Exit status for bad usage or a bad config file. */
export const EXIT_USAGE = 2;

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

const encoder = new TextEncoder();

/** Terminal output for CLI commands. */
export const terminal: CliOutput = {
  out: (text) => Deno.stdout.writeSync(encoder.encode(text.endsWith("\n") ? text : text + "\n")),
  err: (text) => Deno.stderr.writeSync(encoder.encode(text.endsWith("\n") ? text : text + "\n")),
  isTerminal: Deno.stdout.isTerminal(),
};

/**
 * A commander failure (usage error, help or version shown), told by its
 * fields: importing commander's class here would load commander, and the
 * Node modules it needs, for a plain driver call that does not use it.
 */
function isCommanderError(error: unknown): error is CommanderError {
  const { code, exitCode } = (error ?? {}) as { code?: unknown; exitCode?: unknown };
  return error instanceof Error && typeof code === "string" && code.startsWith("commander.") &&
    typeof exitCode === "number";
}

/** The exit status and one-line message for an error that reached the top. */
export function describeFailure(error: unknown): { status: number; message?: string } {
  if (isCommanderError(error)) {
    // Commander already printed its message (or help); keep its status, usage errors as 2.
    const status = error.exitCode === 0
      ? 0
      : error.code.startsWith("commander.help")
      ? 0
      : EXIT_USAGE;
    return { status };
  }
  if (error instanceof ExitStatus) return { status: error.status };
  if (
    error instanceof ConfigError || error instanceof UsageError ||
    // By name: importing its class would load the HTTP/2 server into every command.
    (error instanceof Error && error.name === "SocketInUseError") ||
    error instanceof TypeError || error instanceof RangeError
  ) {
    return { status: EXIT_USAGE, message: error.message };
  }
  if (error instanceof DriverError) {
    return { status: 1, message: error.message };
  }
  if (error instanceof Error) {
    if (Deno.env.get("JUMPSTARTER_DEBUG")) return { status: 1, message: error.stack };
    return { status: 1, message: error.message };
  }
  return { status: 1, message: String(error) };
}

/** Runs `main`, prints a failure as `Error: ...`, and exits with its status. */
export async function runMain(main: () => Promise<number | void>): Promise<never> {
  let status = 0;
  try {
    status = (await main()) ?? 0;
  } catch (error) {
    const failure = describeFailure(error);
    if (failure.message) terminal.err(`Error: ${failure.message}`);
    status = failure.status;
  }
  Deno.exit(status);
}
