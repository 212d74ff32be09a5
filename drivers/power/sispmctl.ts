/**
 * `power.Sispmctl`: one outlet of a USB-controlled power strip (GEMBIRD
 * SiS-PM, EnerGenie EG-PMS and their kin) switched with `sispmctl`.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { unary } from "../../src/driver/exports.ts";
import { ToolPower } from "./tool_power.ts";

/**
 * Runs `sispmctl [-D SERIAL | -d INDEX] -o|-f OUTLET`.
 *
 * Config: `outlet` (1..4, or `all`; default 1), `serial` (the strip's serial
 * number, `sispmctl -s` lists them) or `device` (its index, default the
 * first), `program` (default `sispmctl`), `timeout` (seconds, default 30).
 */
export class Sispmctl extends ToolPower {
  readonly outlet: string;
  readonly select: string[];

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "sispmctl");
    const reader = new ConfigReader(config, context.path);
    this.outlet = String(config.outlet ?? 1);
    if (!/^([1-4]|all)$/.test(this.outlet)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.outlet: expected 1..4 or all, got ${
          JSON.stringify(config.outlet)
        }`,
      );
    }
    const serial = reader.string("serial");
    const device = config.device === undefined ? undefined : reader.number("device", 0, 0);
    this.select = serial !== undefined
      ? ["-D", serial]
      : device !== undefined
      ? ["-d", String(device)]
      : [];
  }

  protected hint(): string {
    return "apt-get install sispmctl, or set `program` to its path";
  }

  protected describe(): string {
    return `sispmctl outlet ${this.outlet}`;
  }

  protected switchArgs(on: boolean): string[] {
    return [...this.select, on ? "-o" : "-f", this.outlet];
  }

  protected override explain(output: string): string | undefined {
    const line = output.split("\n").find((l) => /No GEMBIRD|not found|Check USB/i.test(l))?.trim();
    return line && `${line} (is the power strip plugged in, and may the exporter's user use it?)`;
  }

  /** The outlet's state as the strip reports it: `on` or `off`. */
  @unary({ description: "Ask the power strip for the outlet's state: on or off" })
  async state(): Promise<string> {
    const out = await this.runTool([...this.select, "-q", "-n", "-g", this.outlet], "state");
    return out.trim().split(/\s+/).every((v) => v === "1") ? "on" : "off";
  }
}
