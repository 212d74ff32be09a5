/**
 * Power switched by a vendor tool run with arguments (no shell): USB power
 * strips (`sispmctl`), USB hubs (`ykushcmd`, `uhubctl`). The tool is looked
 * up on each call, so a missing one fails the call in one line naming it.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { requireProgram } from "../../src/driver/find_program.ts";
import { ToolRunner } from "../../src/driver/tool_runner.ts";
import { PowerDriver } from "./interface.ts";

/** A power driver whose `on`/`off` run one tool with arguments. */
export abstract class ToolPower extends PowerDriver {
  readonly programName: string;
  readonly timeout: number;
  readonly #tools = new ToolRunner();

  constructor(config: DriverConfig, context: DriverContext, defaultProgram: string) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.programName = reader.string("program", defaultProgram);
    this.timeout = reader.number("timeout", 30, 0);
  }

  /** How to install the tool, for the missing-tool line. */
  protected abstract hint(): string;

  /** The tool's arguments that switch the power on or off. */
  protected abstract switchArgs(on: boolean): string[];

  /** What the messages call the device ("sispmctl outlet 2"). */
  protected abstract describe(): string;

  /** The line of the tool's output that says why it failed (default: its last line). */
  protected explain(_output: string): string | undefined {
    return undefined;
  }

  override async on(): Promise<void> {
    await this.tool(this.switchArgs(true), "on");
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    await this.tool(this.switchArgs(false), "off");
    this.log.info("power off");
  }

  /** Runs the tool with `args`; resolves to what it printed on stdout. */
  protected async tool(args: string[], action: string): Promise<string> {
    const program = await requireProgram(this.programName, this.hint());
    this.log.debug(`${action}: ${program} ${args.join(" ")}`);
    const { stdout } = await this.#tools.run(program, args, {
      what: `${this.describe()} ${action} (${this.programName})`,
      timeout: this.timeout,
      cwd: this.context.baseDir,
      explain: (output) => this.explain(output),
    });
    return stdout;
  }

  override close(): void {
    this.#tools.killAll();
    super.close();
  }
}
