/**
 * `power.Uhubctl`: per-port power of a USB hub that supports it (smart
 * hubs, Raspberry Pi's root hub), switched with `uhubctl`.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { unary } from "../../src/driver/exports.ts";
import { ToolPower } from "./tool_power.ts";

/** The state of `port` in uhubctl's status output (`Port 2: 0503 power ...`). */
export function portState(output: string, port: string): string | undefined {
  const line = output.split("\n").find((l) => new RegExp(`^\\s*Port ${port}:`).test(l));
  if (!line) return undefined;
  return /\b(power|ppower)\b/.test(line) ? "on" : /\boff\b/.test(line) ? "off" : undefined;
}

/**
 * Runs `uhubctl -l LOCATION -p PORT -a on|off`.
 *
 * Config: `location` (required: the hub, e.g. `1-1.4`; `uhubctl` lists
 * them), `port` (required: the port number, or a list such as `1,3`),
 * `repeat` (power-off repetitions some devices need, default 1), `exact`
 * (default false: also switch the USB3 twin of a USB2 hub),
 * `program` (default `uhubctl`), `timeout` (seconds, default 30).
 */
export class Uhubctl extends ToolPower {
  readonly location: string;
  readonly port: string;
  readonly repeat: number;
  readonly exact: boolean;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "uhubctl");
    const reader = new ConfigReader(config, context.path);
    this.location = reader.required("location");
    if (!/^[0-9]+(-[0-9]+(\.[0-9]+)*)?$/.test(this.location)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.location: expected a hub location like 1-1.4, got "${this.location}"`,
      );
    }
    this.port = String(config.port ?? "");
    if (!/^\d+(,\d+)*$/.test(this.port)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.port: expected a port number or a list like 1,3, got ${
          JSON.stringify(config.port ?? null)
        }`,
      );
    }
    this.repeat = reader.number("repeat", 1, 1);
    this.exact = reader.boolean("exact", false);
  }

  protected hint(): string {
    return "apt-get install uhubctl, or set `program` to its path";
  }

  protected describe(): string {
    return `USB hub ${this.location} port ${this.port}`;
  }

  protected switchArgs(on: boolean): string[] {
    return [
      "-l",
      this.location,
      "-p",
      this.port,
      "-a",
      on ? "on" : "off",
      ...(on ? [] : ["-r", String(this.repeat)]),
      ...(this.exact ? ["-e"] : []),
    ];
  }

  protected override explain(output: string): string | undefined {
    const line = output.split("\n").find((l) => /No compatible devices|not found/i.test(l))?.trim();
    return line &&
      `${line} (check location with \`uhubctl\`, and that the exporter may write the hub's sysfs/usb files)`;
  }

  /** The port's state as the hub reports it: `on` or `off` (the first port of a list). */
  @unary({ description: "Ask the hub for the port's power state: on or off" })
  async state(): Promise<string> {
    const first = this.port.split(",")[0];
    const output = await this.runTool(["-l", this.location, "-p", first], "state");
    const state = portState(output, first);
    if (state === undefined) throw new Error(`uhubctl did not report port ${first}`);
    return state;
  }
}
