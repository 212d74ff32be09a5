/**
 * `uboot.UbootConsole` (upstream `jumpstarter_driver_uboot.driver.UbootConsole`):
 * a U-Boot console over any serial driver, with the board's power driver
 * when it has one. The exporter side only holds the two children and the
 * prompt; the client (`UbootClient`) drives the console, as upstream's does.
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { unary } from "../../src/driver/exports.ts";

/** The client label of U-Boot consoles (upstream's). */
export const UBOOT_CLIENT = "jumpstarter_driver_uboot.client.UbootConsoleClient";

/**
 * A U-Boot console: children `serial` (required: any serial driver, usually
 * `{ref: board.serial}`) and `power` (optional, for power-cycling into
 * U-Boot).
 *
 * Config: `prompt` (default `=>`).
 */
export class UbootConsole extends Driver {
  static override client = UBOOT_CLIENT;

  readonly prompt: string;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    this.prompt = new ConfigReader(config, context.path).string("prompt", "=>");
    if (this.prompt.trim() === "") {
      throw new ConfigError(`Invalid config ${context.path}.config.prompt: it is empty`);
    }
  }

  override open(): void {
    if (!this.children.has("serial")) {
      throw new ConfigError(
        `Invalid exporter config at ${this.context.path}: a U-Boot console needs a serial child; add children: {serial: {ref: board.serial}}`,
      );
    }
  }

  /** The U-Boot prompt (upstream's get_prompt). */
  @unary({ description: "The U-Boot prompt" })
  get_prompt(): string {
    return this.prompt;
  }
}
