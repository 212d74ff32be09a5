/**
 * One GPIO line as a config describes it (upstream gpiod's keys: `device`,
 * `line`, `active_low`, `bias`, `drive`), and the libgpiod tools' arguments
 * for it, in both tool generations: v1 (`gpioset CHIP LINE=V`) and v2
 * (`gpioset -c CHIP LINE=V`).
 *
 * @module
 */
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import type { DriverConfig } from "../../src/driver/driver_context.ts";

const BIASES = ["as-is", "disable", "pull-up", "pull-down"];
const DRIVES = ["push-pull", "open-drain", "open-source"];

/** A line and how to request it. */
export interface LineOptions {
  device: string;
  line: string;
  activeLow: boolean;
  bias?: string;
  drive?: string;
}

function oneOf(reader: ConfigReader, key: string, allowed: string[]): string | undefined {
  const value = reader.string(key)?.replace("_", "-");
  if (value !== undefined && !allowed.includes(value)) {
    throw new ConfigError(
      `Invalid config ${reader.path}.config.${key}: expected one of ${
        allowed.join(", ")
      }, got "${value}"`,
    );
  }
  return value;
}

/** Reads the line from a driver config; fails before any tool runs. */
export function lineOptions(config: DriverConfig, path: string): LineOptions {
  const reader = new ConfigReader(config, path);
  const line = config.line;
  if (
    !(typeof line === "number" && Number.isInteger(line) && line >= 0) &&
    !(typeof line === "string" && /^[\w.-]+$/.test(line))
  ) {
    throw new ConfigError(
      `Invalid config ${path}.config.line: expected the line's offset (e.g. 17) or name, got ${
        JSON.stringify(line ?? null)
      }`,
    );
  }
  return {
    device: reader.string("device", "/dev/gpiochip0"),
    line: String(line),
    activeLow: reader.boolean("active_low", false),
    bias: oneOf(reader, "bias", BIASES),
    drive: oneOf(reader, "drive", DRIVES),
  };
}

/** The libgpiod tools' generation. */
export type ToolVersion = 1 | 2;

function common(options: LineOptions, version: ToolVersion, output: boolean): string[] {
  const args = version === 2 ? ["-c", options.device] : [];
  if (options.activeLow) args.push("-l");
  if (options.bias && options.bias !== "as-is") args.push(`--bias=${options.bias}`);
  if (output && options.drive) args.push(`--drive=${options.drive}`);
  return args;
}

/** `gpioset` arguments that drive the line to `value` and hold it until the tool is stopped. */
export function setArgs(options: LineOptions, version: ToolVersion, value: boolean): string[] {
  const assignment = `${options.line}=${value ? 1 : 0}`;
  return version === 2
    ? [...common(options, 2, true), assignment]
    : ["--mode=signal", ...common(options, 1, true), options.device, assignment];
}

/** `gpioget` arguments printing the line's value as 0 or 1. */
export function getArgs(options: LineOptions, version: ToolVersion): string[] {
  return version === 2
    ? [...common(options, 2, false), "--numeric", options.line]
    : [...common(options, 1, false), options.device, options.line];
}

/** `gpiomon` arguments that wait for one edge (`rising`, `falling` or `both`). */
export function monArgs(options: LineOptions, version: ToolVersion, edge: string): string[] {
  if (version === 2) {
    return [...common(options, 2, false), "-e", edge, "-n", "1", options.line];
  }
  const flag = edge === "rising" ? ["-r"] : edge === "falling" ? ["-f"] : [];
  return [...common(options, 1, false), "-n", "1", ...flag, options.device, options.line];
}
