/**
 * `power.CommandPower`: power driven by shell commands, the way LAVA and
 * pdudaemon setups drive any PDU (`pdudaemon-client ... --port 3 on`).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { killGroup } from "../../src/driver/process_group.ts";
import { lastLine } from "../../src/driver/last_line.ts";
import { cycleWait, PowerDriver, type PowerReading } from "./interface.ts";

/**
 * Runs a configured shell command for each power operation.
 *
 * Config:
 * - `on`, `off` (required): commands that switch the outlet.
 * - `cycle`: a command that power cycles by itself; it runs instead of
 *   off/wait/on and finds the requested wait in `$JUMPSTARTER_POWER_WAIT`.
 * - `read`: a command printing one reading, either `VOLTAGE CURRENT` or
 *   `{"voltage": V, "current": A}`; `read()` runs it every `interval` seconds (default 1).
 * - `timeout`: seconds a command may run (default 10; 0 for no limit).
 * - `shell`: the shell that runs the commands with `-c` (default `/bin/sh`).
 *
 * Commands run in the config file's directory. A non-zero exit fails the call
 * with the command, its status and its last line of error output.
 */
export class CommandPower extends PowerDriver {
  readonly onCommand: string;
  readonly offCommand: string;
  readonly cycleCommand?: string;
  readonly readCommand?: string;
  readonly timeout: number;
  readonly shell: string;
  readonly interval: number;
  readonly #running = new Set<Deno.ChildProcess>();

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.onCommand = reader.required("on");
    this.offCommand = reader.required("off");
    this.cycleCommand = reader.string("cycle");
    this.readCommand = reader.string("read");
    this.timeout = reader.number("timeout", 10, 0);
    this.shell = reader.string("shell", "/bin/sh");
    this.interval = reader.number("interval", 1, 0);
  }

  override async on(): Promise<void> {
    await this.#run("on", this.onCommand);
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    await this.#run("off", this.offCommand);
    this.log.info("power off");
  }

  override async cycle(wait?: number | null): Promise<void> {
    if (this.cycleCommand === undefined) return await super.cycle(wait);
    const seconds = cycleWait(wait);
    await this.#run("cycle", this.cycleCommand, { JUMPSTARTER_POWER_WAIT: String(seconds) });
    this.log.info("power cycled");
  }

  override read(): AsyncGenerator<PowerReading> {
    const command = this.readCommand;
    if (command === undefined) return super.read();
    return this.#poll(command);
  }

  async *#poll(command: string): AsyncGenerator<PowerReading> {
    for (let first = true;; first = false) {
      if (!first) await this.sleep(this.interval);
      yield parseReading(await this.#run("read", command), command);
    }
  }

  /** Kills commands still running (their whole process group) before closing. */
  override close(): void {
    for (const child of this.#running) killGroup(child);
    super.close();
  }

  /** Runs one command; resolves to its stdout, or fails naming the command and why. */
  async #run(action: string, command: string, env?: Record<string, string>): Promise<string> {
    this.log.debug(`${action}: running \`${command}\``);
    const child = new Deno.Command(this.shell, {
      args: ["-c", command],
      cwd: this.context.baseDir,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Its own process group, so a timeout also kills what the shell started.
      detached: true,
    }).spawn();
    this.#running.add(child);
    let timedOut = false;
    const timer = this.timeout > 0
      ? setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, this.timeout * 1000)
      : undefined;
    let result: Deno.CommandOutput;
    try {
      result = await child.output();
    } finally {
      clearTimeout(timer);
      this.#running.delete(child);
    }
    const decoder = new TextDecoder();
    const stdout = decoder.decode(result.stdout);
    if (timedOut) {
      throw new DriverTimeoutError(
        `Power command "${action}" timed out after ${this.timeout} s: \`${command}\``,
      );
    }
    if (!result.success) {
      const how = result.signal
        ? `was killed by ${result.signal}`
        : `exited with status ${result.code}`;
      const detail = lastLine(decoder.decode(result.stderr)) || lastLine(stdout) || "no output";
      throw new Error(`Power command "${action}" (\`${command}\`) ${how}: ${detail}`);
    }
    return stdout;
  }
}

/**
 * Parses a reading printed by a `read` command: the last non-empty line, as
 * `VOLTAGE CURRENT` (units `V`/`A` allowed) or as JSON `{"voltage": V, "current": A}`.
 */
export function parseReading(output: string, command = "read"): PowerReading {
  const line = lastLine(output);
  const fail = (): never => {
    throw new Error(
      `Cannot parse the power reading printed by \`${command}\`: expected "VOLTAGE CURRENT" or ` +
        `{"voltage": V, "current": A}, got ${JSON.stringify(line)}`,
    );
  };
  let voltage: unknown;
  let current: unknown;
  if (line.startsWith("{")) {
    try {
      ({ voltage, current } = JSON.parse(line));
    } catch {
      fail();
    }
  } else {
    const parts = line.split(/\s+/);
    if (parts.length !== 2) fail();
    [voltage, current] = parts.map((p) => /^[-+0-9.eE]+[VvAa]?$/.test(p) ? parseFloat(p) : NaN);
  }
  if (
    typeof voltage !== "number" || typeof current !== "number" || !Number.isFinite(voltage) ||
    !Number.isFinite(current)
  ) fail();
  return { voltage: voltage as number, current: current as number };
}
