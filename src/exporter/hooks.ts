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
  /** The interpreter (upstream's `exec`, e.g. /bin/bash, python3); default /bin/sh. */
  exec?: string;
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
  const exec = hook.exec ?? undefined;
  if (exec !== undefined && (typeof exec !== "string" || exec.trim() === "")) {
    throw new ConfigError(
      `Invalid exporter config at hooks.${name}.exec: expected an interpreter such as /bin/bash or python3`,
    );
  }
  const parsed: Hook = { script: hook.script as string, timeoutMs: timeout * 1000, onFailure };
  if (exec !== undefined) parsed.exec = exec;
  return parsed;
}

/** Runs a hook; resolves with an error message, or undefined on success. */
export async function runHook(
  hook: Hook,
  env: Record<string, string>,
  log: Logger,
): Promise<string | undefined> {
  const [program, args] = await hookCommand(hook);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    return `cannot start "${program}": ${
      error instanceof Deno.errors.NotFound ? "not found" : error
    }`;
  }
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

/**
 * The program and arguments of a hook: `/bin/sh -c SCRIPT` by default; with
 * `exec`, the interpreter runs the script file when SCRIPT names one, else
 * the inline text (`exec -c SCRIPT`, which sh, bash and python3 all take).
 */
export async function hookCommand(hook: Hook): Promise<[string, string[]]> {
  if (!hook.exec) return ["/bin/sh", ["-c", hook.script]];
  const isFile = !hook.script.includes("\n") &&
    await Deno.stat(hook.script).then((info) => info.isFile, () => false);
  return [hook.exec, isFile ? [hook.script] : ["-c", hook.script]];
}
