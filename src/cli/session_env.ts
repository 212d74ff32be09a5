/**
 * What a leased session hands its shell from the client config: the
 * `drivers` policy (as `JMP_DRIVERS_ALLOW`, so `env()` in the shell keeps
 * it) and `shell.use_profiles` (without profiles, bash, zsh and fish start
 * without the user's rc files, as upstream's `jmp shell` does), and the
 * session's timeout flags.
 *
 * @module
 */
import type { DriversPolicy } from "../config/client_config_fields.ts";
import { UsageError } from "./run.ts";

/** The argv of the user's shell: `$SHELL` (else /bin/sh), without rc files unless `useProfiles`. */
export function shellArgv(
  useProfiles: boolean,
  shell = Deno.env.get("SHELL") || "/bin/sh",
): string[] {
  if (useProfiles) return [shell];
  const name = shell.replace(/^.*\//, "");
  if (name === "bash") return [shell, "--norc", "--noprofile"];
  if (name === "zsh") return [shell, "--no-rcs"];
  if (name === "fish") return [shell, "--no-config"];
  return [shell];
}

/**
 * `JMP_DRIVERS_ALLOW` for the session's processes; empty when every driver
 * is allowed. A policy that allows no listed driver passes the one pattern
 * that is always allowed, so the variable is still set.
 */
export function driversEnv(policy: DriversPolicy): Record<string, string> {
  if (policy.unsafe) return {};
  const allow = policy.allow.length > 0 ? policy.allow : ["jumpstarter_driver_composite.*"];
  return { JMP_DRIVERS_ALLOW: allow.join(",") };
}

/** `--timeout`/`--acquisition-timeout`, `--dial-timeout` and `--retry-timeout`, checked. */
export function sessionTimeouts(
  options: {
    timeout?: string;
    acquisitionTimeout?: string;
    dialTimeout?: string;
    retryTimeout?: string;
  },
  parseDuration: (text: string) => number,
): { timeoutMs?: number; dialRetry: { dialTimeoutMs?: number; retryTimeoutMs?: number } } {
  if (options.timeout && options.acquisitionTimeout) {
    throw new UsageError("Give --timeout or --acquisition-timeout, not both");
  }
  const wait = options.acquisitionTimeout ?? options.timeout;
  const timeoutMs = wait ? parseDuration(wait) : undefined;
  if (options.acquisitionTimeout && timeoutMs! < 5000) {
    throw new UsageError(`Invalid --acquisition-timeout "${wait}": at least 5s`);
  }
  const dialRetry: { dialTimeoutMs?: number; retryTimeoutMs?: number } = {};
  if (options.dialTimeout) dialRetry.dialTimeoutMs = parseDuration(options.dialTimeout);
  if (options.retryTimeout) {
    dialRetry.retryTimeoutMs = /^0+(s|ms|m)?$/.test(options.retryTimeout.trim())
      ? 0
      : parseDuration(options.retryTimeout);
  }
  return { timeoutMs, dialRetry };
}
