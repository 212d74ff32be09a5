/**
 * Small readers for driver `config:` mappings that fail with one clear line
 * naming the config path, the value and what was expected.
 *
 * @module
 */
import type { DriverConfig } from "./driver_context.ts";

/**
 * A config file problem: the CLI prints its message and exits with status 2.
 *
 * @example
 * ```ts
 * import { ConfigError, parseExporterConfig } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => parseExporterConfig("export:\n  power: {}\n", Deno.cwd()),
 *   new ConfigError(
 *     'Invalid exporter config at export.power: "type" is missing (e.g. type: power.MockPower)',
 *   ),
 * );
 * ```
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value) ?? String(value);
}

/**
 * Typed getters over one driver's config, with `path` used in messages.
 * Drivers read their `config:` with it in the constructor.
 *
 * @example
 * ```ts
 * import { ConfigError, ConfigReader } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const reader = new ConfigReader({ url: "http://pdu.lab", outlet: "3" }, "export.power");
 * assert.equal(reader.required("url"), "http://pdu.lab");
 * assert.equal(reader.number("timeout", 10, 0), 10); // absent: the fallback
 * assert.throws(() => reader.number("outlet", 1), ConfigError); // a string, not a number
 * ```
 */
export class ConfigReader {
  constructor(readonly config: DriverConfig, readonly path: string) {}

  #fail(key: string, expected: string): never {
    throw new ConfigError(
      `Invalid config ${this.path}.config.${key}: expected ${expected}, got ${
        show(this.config[key])
      }`,
    );
  }

  string(key: string): string;
  string(key: string, fallback: string): string;
  string(key: string, fallback?: string): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    const value = this.config[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string") this.#fail(key, "a string");
    return value;
  }

  number(key: string, fallback: number, min = -Infinity): number {
    const value = this.config[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
      this.#fail(key, min > -Infinity ? `a number >= ${min}` : "a number");
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.config[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean") this.#fail(key, "true or false");
    return value;
  }

  required(key: string): string {
    const value = this.string(key);
    if (value === undefined) this.#fail(key, "a string (this key is required)");
    return value;
  }
}
