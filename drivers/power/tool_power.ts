/**
 * Power switched by a vendor tool run with arguments (no shell): USB power
 * strips (`sispmctl`), USB hubs (`ykushcmd`, `uhubctl`). The tool is looked
 * up on each call, so a missing one fails the call in one line naming it.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfiguredTool } from "../../src/driver/configured_tool.ts";
import { PowerDriver } from "./interface.ts";

/** A power driver whose `on`/`off` run one tool with arguments. */
export abstract class ToolPower extends PowerDriver {
  readonly tool: ConfiguredTool;

  constructor(config: DriverConfig, context: DriverContext, defaultProgram: string) {
    super(config, context);
    this.tool = new ConfiguredTool(
      config,
      context.path,
      defaultProgram,
      this.hint(),
      context.baseDir,
    );
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
    await this.runTool(this.switchArgs(true), "on");
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    await this.runTool(this.switchArgs(false), "off");
    this.log.info("power off");
  }

  /** Runs the tool with `args`; resolves to what it printed on stdout. */
  protected runTool(args: string[], action: string): Promise<string> {
    this.log.debug(`${action}: ${this.tool.programName} ${args.join(" ")}`);
    return this.tool.run(args, `${this.describe()} ${action}`, (output) => this.explain(output));
  }

  override close(): void {
    this.tool.killAll();
    super.close();
  }
}
