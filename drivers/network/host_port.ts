/**
 * A target's host and port: read from a driver's config (`host`, `port`)
 * and written as `host:port`, with IPv6 literals bracketed.
 *
 * @module
 */
import type { DriverConfig } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";

/** host:port with IPv6 literals bracketed. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The `host` and `port` of a driver config at `path`; a `ConfigError` names a bad one. */
export function readHostPort(config: DriverConfig, path: string): { host: string; port: number } {
  const reader = new ConfigReader(config, path);
  const host = reader.required("host").replace(/^\[|\]$/g, "");
  const port = reader.number("port", NaN, 1);
  if (!Number.isInteger(port) || port > 65535) {
    throw new ConfigError(
      `Invalid config ${path}.config.port: expected a port number 1-65535, got ${
        JSON.stringify(config.port) ?? "nothing"
      }`,
    );
  }
  return { host, port };
}
