/**
 * An SD-card mux switched by its vendor tool run with arguments (no
 * shell), the card written as the block device it shows up as on the
 * host: the base of `storage.SdWire` and `storage.UsbSdMux`.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { ConfiguredTool } from "../../src/driver/configured_tool.ts";
import { FileStorageMux, type MuxState } from "./file.ts";

/** A mux whose switches run one tool; `path` (the card) is given by the subclass. */
export abstract class ToolStorageMux extends FileStorageMux {
  readonly tool: ConfiguredTool;
  readonly wait: number;

  constructor(config: DriverConfig, context: DriverContext, defaultProgram: string) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.tool = new ConfiguredTool(
      config,
      context.path,
      defaultProgram,
      this.hint(),
      context.baseDir,
    );
    this.wait = reader.number("storage_timeout", 10, 0);
  }

  /** How to install the tool, for the missing-tool line. */
  protected abstract hint(): string;

  /** The tool's arguments that switch to `state`. */
  protected abstract switchArgs(state: MuxState): string[];

  /** The line of the tool's output that says why it failed (default: its last line). */
  protected explain(_output: string): string | undefined {
    return undefined;
  }

  protected override async switchTo(state: MuxState): Promise<void> {
    const args = this.switchArgs(state);
    await this.tool.run(args, `${this.label} ${state}`, (output) => this.explain(output));
    await super.switchTo(state);
  }

  /** Waits up to `storage_timeout` seconds for the card to answer on the host. */
  protected override async ready(): Promise<void> {
    const deadline = performance.now() + this.wait * 1000;
    while (true) {
      try {
        (await Deno.open(this.path, { read: true })).close();
        return;
      } catch (error) {
        if (performance.now() >= deadline) {
          throw new UnavailableError(
            `${this.label}: the card "${this.path}" did not answer within ${this.wait} s after switching to the host (${
              error instanceof Error ? error.message : String(error)
            }): is a card in the mux?`,
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  override close(): void {
    this.tool.killAll();
    super.close();
  }
}
