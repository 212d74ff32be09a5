/**
 * `shell.Shell`: methods defined in the exporter config, each a shell
 * script run on the exporter host with its output streamed back (upstream's
 * `jumpstarter_driver_shell.driver.Shell`).
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { type Cancellable, cancellable } from "../../src/driver/cancellable.ts";
import { streaming, unary } from "../../src/driver/exports.ts";
import type { MethodInfo, ParamType } from "../../src/driver/method_info.ts";
import { DriverNotFoundError } from "../../src/driver/errors.ts";
import { streamScript } from "../../src/driver/script.ts";
import { readShellConfig, type ShellMethod } from "./shell_config.ts";

/** One streamed piece of output as upstream sends it: `[stdout, stderr, exit status or null]`. */
export type ShellChunk = [stdout: string, stderr: string, code: number | null];

/** Most positional arguments a method call takes. */
const MAX_ARGS = 64;
const VARIADIC: ParamType[] = Array(MAX_ARGS).fill("any?");

/**
 * Runs configured scripts.
 *
 * Config:
 * - `methods` (required): `name: "script"` or `name: {command, description, timeout}`.
 *   Arguments of a call are the script's `$1`, `$2`...; `$0` is the method name.
 * - `shell`: the shell and its flag as a list (default `["bash", "-c"]`, as upstream).
 * - `timeout`: default seconds per method (300, as upstream); the whole process group
 *   is killed at the limit and the call ends with status 124.
 * - `cwd`: working directory (default: the config file's directory).
 * - `env`: variables added to every script's environment (a client cannot change them).
 * - `allowEnv`: names of variables a client may set for one call (`-e NAME=VALUE`); none
 *   by default, since `BASH_ENV`, `LD_PRELOAD` or `PATH` would run a client's code.
 *
 * Exports upstream's `get_methods()` and streaming `call_method(name, env, ...args)`,
 * plus each configured method under its own name (streaming, same output).
 */
export class Shell extends Driver {
  static override client = "jumpstarter_driver_shell.client.ShellClient";

  readonly scripts: ReadonlyMap<string, ShellMethod>;
  readonly shell: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly allowEnv: ReadonlySet<string>;
  #methods?: Map<string, MethodInfo>;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const checked = readShellConfig(config, context, (name) => name in this);
    this.shell = checked.shell;
    this.cwd = checked.cwd;
    this.env = checked.env;
    this.allowEnv = checked.allowEnv;
    const scripts = checked.scripts;
    this.scripts = scripts;
    for (const name of scripts.keys()) {
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) => this.#start(name, {}, args),
      });
    }
  }

  /** The exported methods: the two upstream ones and one per configured script. */
  override methods(): Map<string, MethodInfo> {
    if (this.#methods) return this.#methods;
    const methods = new Map(super.methods());
    for (const [name, script] of this.scripts) {
      methods.set(name, {
        name,
        kind: "streaming",
        description: script.description ?? `Run \`${script.command}\``,
        params: VARIADIC,
      });
    }
    return this.#methods = methods;
  }

  /** The configured method names. */
  @unary({ description: "List the configured methods" })
  get_methods(): string[] {
    return [...this.scripts.keys()];
  }

  /**
   * Runs method `name` with `env` added to its environment and `args` as
   * `$1`...; yields `[stdout, stderr, null]` as output arrives, then
   * `["", "", status]`.
   */
  @streaming({
    description: "Run a configured method: (name, env, ...args), streaming [stdout, stderr, code]",
    params: ["string", "object?", ...VARIADIC.slice(2)],
  })
  call_method(
    name: string,
    env?: Record<string, unknown> | null,
    ...args: unknown[]
  ): Cancellable<ShellChunk> {
    return this.#start(name, env ?? {}, args);
  }

  /** Runs a method; the exporter cancels it (killing its process group) when the client leaves. */
  #start(name: string, env: Record<string, unknown>, args: unknown[]): Cancellable<ShellChunk> {
    const stop = new AbortController();
    return cancellable(this.#run(name, env, args, stop.signal), () => stop.abort());
  }

  async *#run(
    name: string,
    env: Record<string, unknown>,
    args: unknown[],
    signal: AbortSignal,
  ): AsyncGenerator<ShellChunk> {
    const script = this.scripts.get(name);
    if (!script) {
      throw new DriverNotFoundError(
        `No shell method "${name}" (configured: ${[...this.scripts.keys()].join(", ") || "none"})`,
      );
    }
    // A client may set only what the operator allows: BASH_ENV, LD_PRELOAD or PATH would
    // otherwise run its own code as the exporter's user. The operator's env always wins.
    for (const key of Object.keys(env)) {
      if (!/^[A-Za-z_]\w*$/.test(key)) {
        throw new TypeError(`Invalid environment variable name ${JSON.stringify(key)}`);
      }
      if (!this.allowEnv.has(key) || key in this.env) {
        throw new TypeError(
          `Environment variable ${key} may not be set by a client: the exporter config's allowEnv ${
            this.allowEnv.size ? `lists ${[...this.allowEnv].join(", ")}` : "lists none"
          }`,
        );
      }
    }
    const text = args.map((arg, i) => {
      if (typeof arg === "string") return arg;
      if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
      throw new TypeError(`Argument ${i + 1} of ${name} must be a string, got ${typeof arg}`);
    });
    this.log.info(`${name}: running with ${text.length} argument(s)`);
    const extra = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
    for await (
      const chunk of streamScript(script.command, {
        shell: this.shell,
        name,
        args: text,
        cwd: this.cwd,
        env: { ...extra, ...this.env },
        timeout: script.timeout,
        signal,
      })
    ) {
      if (chunk.code !== null && chunk.code !== 0) {
        this.log.info(`${name}: exit status ${chunk.code}${chunk.timedOut ? " (timed out)" : ""}`);
      }
      yield [chunk.stdout, chunk.stderr, chunk.code];
    }
  }
}
