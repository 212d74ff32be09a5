/**
 * `power.Ykush`: the ports of a Yepkit YKUSH USB hub, switched with
 * `ykushcmd`. Upstream's `jumpstarter_driver_yepkit.driver.Ykush` config
 * loads.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { ToolPower } from "./tool_power.ts";

/**
 * Runs `ykushcmd [-s SERIAL] -u|-d PORT`.
 *
 * Config (upstream's keys): `serial` (the hub's serial number, to pick one
 * of several), `port` (1, 2, 3 or `all`; default all), `default` (`on` or
 * `off`: the state the port is put in when a lease ends; default off). Ours:
 * `program` (default `ykushcmd`), `timeout` (seconds, default 30).
 */
export class Ykush extends ToolPower {
  readonly serial?: string;
  readonly port: string;
  readonly defaultState: "on" | "off";

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "ykushcmd");
    const reader = new ConfigReader(config, context.path);
    this.serial = reader.string("serial");
    this.port = String(config.port ?? "all");
    if (!/^([1-3]|all)$/.test(this.port)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.port: expected 1, 2, 3 or all, got ${
          JSON.stringify(config.port)
        }`,
      );
    }
    const fallback = reader.string("default", "off");
    if (fallback !== "on" && fallback !== "off") {
      throw new ConfigError(
        `Invalid config ${context.path}.config.default: expected on or off, got "${fallback}"`,
      );
    }
    this.defaultState = fallback;
  }

  protected hint(): string {
    return "build ykushcmd from github.com/Yepkit/ykush (not packaged), or set `program` to its path";
  }

  protected describe(): string {
    return `YKUSH port ${this.port}`;
  }

  protected switchArgs(on: boolean): string[] {
    const port = this.port === "all" ? "a" : this.port;
    return [...(this.serial ? ["-s", this.serial] : []), on ? "-u" : "-d", port];
  }

  protected override explain(output: string): string | undefined {
    return output.split("\n").find((l) => /not found|no .*device|unable|error/i.test(l))?.trim();
  }

  /**
   * Between sessions the port goes back to its `default` state, as upstream;
   * a failure is logged, not thrown, so it cannot stop the exporter's reset.
   */
  override async reset(): Promise<void> {
    try {
      await (this.defaultState === "on" ? this.on() : this.off());
    } catch (error) {
      this.log.warning(
        `could not put ${this.describe()} back ${this.defaultState}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
}
