/**
 * The config of `shell.Shell`, read and checked: the configured methods
 * (each a script with its description and timeout), the shell, the working
 * directory and the environment added to every script.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";

/** One configured method. */
export interface ShellMethod {
  command: string;
  description?: string;
  /** Seconds before the script's process group is killed (0: no limit). */
  timeout: number;
}

/** A `shell.Shell` config, checked. */
export interface ShellConfig {
  scripts: Map<string, ShellMethod>;
  shell: string[];
  cwd: string;
  env: Record<string, string>;
  /** Variable names a client may set for a call (`allowEnv`); none unless the operator lists them. */
  allowEnv: ReadonlySet<string>;
}

/**
 * Reads and checks the config of a `shell.Shell` (see its doc for the keys);
 * a method name for which `reserved` is true (a built-in property of the
 * driver) is refused. A `ConfigError` names the bad key.
 */
export function readShellConfig(
  config: DriverConfig,
  context: DriverContext,
  reserved: (name: string) => boolean,
): ShellConfig {
  const reader = new ConfigReader(config, context.path);
  const fail = (key: string, expected: string, value: unknown): never => {
    throw new ConfigError(
      `Invalid config ${context.path}.config.${key}: expected ${expected}, got ${
        JSON.stringify(value)
      }`,
    );
  };
  const timeout = reader.number("timeout", 300, 0);
  const shell = config.shell ?? ["bash", "-c"];
  if (
    !Array.isArray(shell) || shell.length === 0 || !shell.every((s) => typeof s === "string")
  ) {
    fail("shell", 'a list of strings such as ["bash", "-c"]', shell);
  }
  const cwd = reader.string("cwd", context.baseDir);
  const env = config.env ?? {};
  if (typeof env !== "object" || env === null || Array.isArray(env)) {
    fail("env", "a mapping of names to values", env);
  }
  const envValues = Object.fromEntries(
    Object.entries(env as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
  );
  const allowEnv = config.allowEnv ?? config.allow_env ?? [];
  if (
    !Array.isArray(allowEnv) ||
    !allowEnv.every((name) => typeof name === "string" && /^[A-Za-z_]\w*$/.test(name))
  ) {
    fail("allowEnv", 'a list of variable names such as ["VERBOSE"]', allowEnv);
  }
  const methods = config.methods;
  if (typeof methods !== "object" || methods === null || Array.isArray(methods)) {
    fail("methods", 'a mapping such as {reboot: {command: "..."}}', methods);
  }
  const scripts = new Map<string, ShellMethod>();
  for (const [name, value] of Object.entries(methods as Record<string, unknown>)) {
    const key = `methods.${name}`;
    if (!/^[A-Za-z_][\w-]*$/.test(name)) fail(key, "a name of letters, digits, _ and -", name);
    if (reserved(name)) {
      fail(key, "a name that is not a built-in property of the driver", name);
    }
    if (typeof value === "string") {
      scripts.set(name, { command: value, timeout });
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(key, "a script or {command, description, timeout}", value);
    }
    const entry = value as Record<string, unknown>;
    if (typeof entry.command !== "string" || entry.command.trim() === "") {
      fail(`${key}.command`, "a script (this key is required)", entry.command);
    }
    if (entry.description !== undefined && typeof entry.description !== "string") {
      fail(`${key}.description`, "a string", entry.description);
    }
    const own = entry.timeout ?? timeout;
    if (typeof own !== "number" || !Number.isFinite(own) || own < 0) {
      fail(`${key}.timeout`, "a number of seconds >= 0", own);
    }
    scripts.set(name, {
      command: entry.command as string,
      description: entry.description as string | undefined,
      timeout: own as number,
    });
  }
  return {
    scripts,
    shell: shell as string[],
    cwd,
    env: envValues,
    allowEnv: new Set(allowEnv as string[]),
  };
}
