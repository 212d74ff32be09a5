/**
 * Upstream's `HttpPower` schema (`jumpstarter_driver_http_power`) for
 * `power.HttpPower`: `power_on`, `power_off` and `power_read` endpoints of
 * `{url, method, data}` (with `voltage_path`/`current_path` on the read) and
 * `auth: {basic: {user, password}}`, read into the REST mode's requests.
 *
 * @module
 */
import type { DriverConfig } from "../../src/driver/driver_context.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import type { HttpPowerRequests } from "./http_presets.ts";
import { valueAt } from "./http_reading.ts";
import { type HttpRequestSpec, requestSpec, shownRequest } from "./http_request.ts";
import type { PowerReading } from "./reading.ts";

/** Whether a config uses upstream's schema. */
export function isUpstreamSchema(config: DriverConfig): boolean {
  return config.power_on !== undefined || config.power_off !== undefined;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      `Invalid config ${path}: expected a mapping, got ${JSON.stringify(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** One upstream endpoint as a request: `data` is sent only with POST, PUT and PATCH, as upstream. */
function endpoint(value: unknown, path: string, required: boolean): HttpRequestSpec | undefined {
  if (value === undefined || value === null) return requestSpec(value, path, required);
  const spec = record(value, path);
  const method = typeof spec.method === "string" ? spec.method.toUpperCase() : "GET";
  const sendsData = ["POST", "PUT", "PATCH"].includes(method);
  if (spec.data !== undefined && spec.data !== null && typeof spec.data !== "string") {
    throw new ConfigError(
      `Invalid config ${path}.data: expected a string, got ${JSON.stringify(spec.data)}`,
    );
  }
  return requestSpec(
    { url: spec.url, method, body: sendsData ? spec.data ?? undefined : undefined },
    path,
    required,
  );
}

/** The requests, reading paths and basic auth of an upstream `HttpPower` config at `path`. */
export function upstreamRequests(
  config: DriverConfig,
  path: string,
): HttpPowerRequests & { auth?: { username: string; password: string } } {
  const on = endpoint(config.power_on, `${path}.power_on`, true)!;
  const off = endpoint(config.power_off, `${path}.power_off`, true)!;
  const read = endpoint(config.power_read, `${path}.power_read`, false);
  let auth: { username: string; password: string } | undefined;
  if (config.auth !== undefined && config.auth !== null) {
    const basic = record(config.auth, `${path}.auth`).basic;
    if (basic !== undefined && basic !== null) {
      const { user, password } = record(basic, `${path}.auth.basic`);
      auth = { username: String(user ?? ""), password: String(password ?? "") };
    }
  }
  if (!read) return { on, off, auth };
  const spec = config.power_read as Record<string, unknown>;
  const pathOf = (key: string) => typeof spec[key] === "string" ? spec[key] as string : undefined;
  return {
    on,
    off,
    read,
    auth,
    readPaths: {
      voltage: pathOf("voltage_path") ?? "",
      current: pathOf("current_path") ?? "",
    },
  };
}

/**
 * A reading as upstream takes it: the value at the configured path, or at
 * the top-level `voltage`/`current` key (0 when that default key is absent);
 * numbers written as strings count.
 */
export function upstreamReading(
  answer: string,
  request: HttpRequestSpec,
  paths: { voltage: string; current: string },
): PowerReading {
  let data: unknown;
  try {
    data = JSON.parse(answer);
  } catch {
    throw new FailedPreconditionError(
      `The power read endpoint (${shownRequest(request)}) did not answer JSON`,
    );
  }
  const take = (configured: string, key: "voltage" | "current"): number => {
    const at = configured || key;
    const value = valueAt(data, at);
    if (value === undefined) {
      if (!configured) return 0;
      throw new FailedPreconditionError(
        `The power read endpoint's answer has no "${at}" (power_read.${key}_path)`,
      );
    }
    const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof number !== "number" || !Number.isFinite(number)) {
      throw new FailedPreconditionError(
        `The power read endpoint's "${at}" is not a number (got ${JSON.stringify(value)})`,
      );
    }
    return number;
  };
  return { voltage: take(paths.voltage, "voltage"), current: take(paths.current, "current") };
}
