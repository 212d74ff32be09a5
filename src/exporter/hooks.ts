/**
 * Lease hooks: `hooks.beforeLease` / `hooks.afterLease` scripts from the
 * exporter config, run on the exporter host with a timeout, with
 * `JUMPSTARTER_HOST` pointing at the exporter so a hook can drive its drivers.
 *
 * @module
 */
import { ConfigError } from "../driver/config_check.ts";
import type { Logger } from "../log.ts";

/** One hook from the config. */
export interface Hook {
  script: string;
  timeoutMs: number;
  onFailure: "warn" | "endLease" | "exit";
}

/** Reads `hooks.<name>` from a config; undefined when absent. */
export function hookFrom(
  hooks: Record<string, unknown>,
  name: "beforeLease" | "afterLease",
): Hook | undefined {
  const raw = hooks[name];
  if (raw === undefined || raw === null) return undefined;
  if (
    typeof raw !== "object" || Array.isArray(raw) ||
    typeof (raw as Record<string, unknown>).script !== "string"
  ) {
    throw new ConfigError(
      `Invalid exporter config at hooks.${name}: expected {script, timeout, onFailure}`,
    );
  }
  const hook = raw as Record<string, unknown>;
  const timeout = hook.timeout === undefined ? 120 : Number(hook.timeout);
  if (!(timeout > 0)) {
    throw new ConfigError(`Invalid exporter config at hooks.${name}.timeout: expected seconds > 0`);
  }
  const onFailure = hook.onFailure ?? "warn";
  if (onFailure !== "warn" && onFailure !== "endLease" && onFailure !== "exit") {
    throw new ConfigError(
      `Invalid exporter config at hooks.${name}.onFailure: "${onFailure}" is not warn, endLease or exit`,
    );
  }
  return { script: hook.script as string, timeoutMs: timeout * 1000, onFailure };
}

/** Runs a hook; resolves with an error message, or undefined on success. */
export async function runHook(
  hook: Hook,
  env: Record<string, string>,
  log: Logger,
): Promise<string | undefined> {
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", hook.script],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, hook.timeoutMs);
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>, level: "info" | "warning") => {
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) log[level](line);
    }
    if (pending) log[level](pending);
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, "info"),
    pump(child.stderr, "warning"),
  ]);
  clearTimeout(timer);
  if (status.signal === "SIGKILL") return `timed out after ${hook.timeoutMs / 1000} s`;
  if (!status.success) return `exited with status ${status.code}`;
  return undefined;
}
