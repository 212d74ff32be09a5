/**
 * The `apiVersion` a config file may carry: upstream Jumpstarter's, which
 * this project reads and writes. A missing one means that version; any
 * other is refused, naming the accepted values.
 *
 * @module
 */
import { ConfigError } from "../driver/config_check.ts";
import { describeValue } from "./describe_value.ts";

/** The apiVersion values this project accepts in client and exporter configs. */
export const API_VERSIONS: readonly string[] = ["jumpstarter.dev/v1alpha1"];

/** The config's apiVersion (the first accepted one when absent), or a ConfigError. */
export function checkApiVersion(value: unknown, what: string): string {
  if (value === undefined || value === null) return API_VERSIONS[0];
  if (typeof value === "string" && API_VERSIONS.includes(value)) return value;
  throw new ConfigError(
    `Invalid ${what}: apiVersion is ${describeValue(value)}; accepted: ${API_VERSIONS.join(", ")}`,
  );
}
