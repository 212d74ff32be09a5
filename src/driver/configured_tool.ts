/**
 * A vendor tool a driver runs, as its config names it: `program` (default
 * the tool's usual name) and `timeout` (seconds per run, default 30). The
 * program is looked up on each run, so a missing one fails that call with a
 * line naming it and how to install it.
 *
 * @module
 */
import { ConfigReader } from "./config_check.ts";
import type { DriverConfig } from "./driver_context.ts";
import { requireProgram } from "./find_program.ts";
import { ToolRunner } from "./tool_runner.ts";

/** One configured tool and the runs of it still going. */
export class ConfiguredTool {
  readonly programName: string;
  readonly timeout: number;
  readonly #runner = new ToolRunner();

  /** Reads `program` and `timeout` from the driver config at `path`. */
  constructor(
    config: DriverConfig,
    path: string,
    defaultProgram: string,
    readonly hint: string,
    readonly cwd?: string,
  ) {
    const reader = new ConfigReader(config, path);
    this.programName = reader.string("program", defaultProgram);
    this.timeout = reader.number("timeout", 30, 0);
  }

  /** Runs the tool with `args`; resolves to its stdout, or fails in one line naming `what`. */
  async run(
    args: string[],
    what: string,
    explain?: (output: string) => string | undefined,
  ): Promise<string> {
    const program = await requireProgram(this.programName, this.hint);
    const { stdout } = await this.#runner.run(program, args, {
      what: `${what} (${this.programName})`,
      timeout: this.timeout,
      cwd: this.cwd,
      explain,
    });
    return stdout;
  }

  /** Kills the runs still going. */
  killAll(): void {
    this.#runner.killAll();
  }
}
