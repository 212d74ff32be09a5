/**
 * The optional sections of a ClientConfig, each read the way upstream reads
 * it and refused in one line when this project cannot honour it:
 * `drivers` (with `JMP_DRIVERS_ALLOW`), `leases`, `shell` and `grpcOptions`.
 *
 * @module
 */
import { ConfigError } from "../driver/config_check.ts";
import { describeValue } from "./describe_value.ts";

/** `drivers`: which driver client classes a session may use. */
export interface DriversPolicy {
  /** Glob patterns of upstream client class paths (`jumpstarter_driver_power.*`). */
  allow: string[];
  /** True: any client class is used (the allow list is not checked). */
  unsafe: boolean;
}

/** `leases`: upstream's timeouts, in milliseconds. */
export interface LeaseTimeouts {
  /** How long to wait for a lease to become ready; undefined: forever. */
  acquisitionTimeoutMs?: number;
  /** How long to retry Dial while the exporter is not ready yet. */
  dialTimeoutMs: number;
  /** How long to keep retrying a controller that does not answer (0: do not retry). */
  retryTimeoutMs: number;
}

/** `shell`: how `jumpstarter shell` starts the user's shell. */
export interface ShellSettings {
  /** False: start bash/zsh/fish without the user's rc files (upstream's default). */
  useProfiles: boolean;
}

type Env = (name: string) => string | undefined;

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function section(doc: Record<string, unknown>, key: string, where: string) {
  const value = doc[key];
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    throw new ConfigError(
      `Invalid client config${where}: ${key} must be a mapping, not ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * `drivers.allow` (a list, or a comma-separated string as upstream takes
 * it), `drivers.unsafe`, and `JMP_DRIVERS_ALLOW` over both; `UNSAFE` in
 * the list means unsafe, as upstream. Absent `unsafe` is false when a list
 * is given (only it is allowed) and true when none is (every driver).
 */
export function driversPolicyFrom(
  doc: Record<string, unknown>,
  where: string,
  env: Env = (name) => Deno.env.get(name),
): DriversPolicy {
  const drivers = section(doc, "drivers", where);
  const fromEnv = env("JMP_DRIVERS_ALLOW");
  const raw = fromEnv ? fromEnv : drivers.allow;
  let allow: string[] = [];
  if (typeof raw === "string") allow = raw.split(",").map((s) => s.trim()).filter(Boolean);
  else if (Array.isArray(raw)) {
    allow = raw.map((item) => {
      if (typeof item === "object" && item !== null) {
        throw new ConfigError(
          `Invalid client config${where}: drivers.allow must list driver class names, not ${
            describeValue(item)
          }`,
        );
      }
      return String(item);
    });
  }
  const listed = allow.filter((p) => p !== "UNSAFE");
  const unsafe = allow.includes("UNSAFE") ||
    (drivers.unsafe === undefined ? listed.length === 0 : drivers.unsafe === true);
  return { allow: listed, unsafe };
}

function seconds(
  value: unknown,
  key: string,
  where: string,
  check: (n: number) => boolean,
  rule: string,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || !check(n)) {
    throw new ConfigError(
      `Invalid client config${where}: leases.${key} is ${describeValue(value)}; expected ${rule}`,
    );
  }
  return n * 1000;
}

/** `leases.acquisition_timeout` (s, >= 5), `dial_timeout` (s, > 0), `retry_timeout` (s, >= 0). */
export function leaseTimeoutsFrom(
  doc: Record<string, unknown>,
  where: string,
  env: Env = (name) => Deno.env.get(name),
): LeaseTimeouts {
  const leases = section(doc, "leases", where);
  const retry = env("JMP_RETRY_TIMEOUT") || leases.retry_timeout;
  return {
    acquisitionTimeoutMs: seconds(
      leases.acquisition_timeout,
      "acquisition_timeout",
      where,
      (n) => Number.isInteger(n) && n >= 5,
      "whole seconds, at least 5",
    ),
    dialTimeoutMs:
      seconds(leases.dial_timeout, "dial_timeout", where, (n) => n > 0, "seconds > 0") ??
        30_000,
    retryTimeoutMs: seconds(retry, "retry_timeout", where, (n) => n >= 0, "seconds >= 0") ??
      300_000,
  };
}

/** `shell.use_profiles` (a boolean; absent: true, this project's shell loads the user's rc files). */
export function shellSettingsFrom(doc: Record<string, unknown>, where: string): ShellSettings {
  const shell = section(doc, "shell", where);
  const value = shell.use_profiles;
  if (value !== undefined && value !== null && typeof value !== "boolean") {
    throw new ConfigError(
      `Invalid client config${where}: shell.use_profiles is ${
        describeValue(value)
      }; expected true or false`,
    );
  }
  return { useProfiles: value !== false };
}

/**
 * `grpcOptions`: upstream passes these to its Python gRPC channel. This
 * client has no such channel options, so an empty mapping (what upstream
 * writes) is accepted and any option is refused, naming it.
 */
export function checkGrpcOptions(
  doc: Record<string, unknown>,
  what: string,
): void {
  const options = doc.grpcOptions;
  if (options === undefined || options === null) return;
  if (!isMapping(options)) {
    throw new ConfigError(
      `Invalid ${what}: grpcOptions must be a mapping, not ${describeValue(options)}`,
    );
  }
  const keys = Object.keys(options);
  if (keys.length > 0) {
    throw new ConfigError(
      `Unsupported ${what}: grpcOptions ${
        keys.join(", ")
      } cannot be applied (this implementation does not use Python gRPC channel options); remove grpcOptions`,
    );
  }
}
