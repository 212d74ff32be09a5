/**
 * `power.CommandPower`: power driven by shell commands, the way LAVA and
 * pdudaemon setups drive any PDU (`pdudaemon-client ... --port 3 on`).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { CommandRunner } from "./command_runner.ts";
import { cycleWait } from "./cycle_wait.ts";
import { PowerDriver } from "./interface.ts";
import { parseReading } from "./parse_reading.ts";
import type { PowerReading } from "./reading.ts";

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
  readonly #commands: CommandRunner;

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
    this.#commands = new CommandRunner(this.shell, this.timeout, context.baseDir);
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
    this.#commands.killAll();
    super.close();
  }

  /** Runs one command; resolves to its stdout, or fails naming the command and why. */
  #run(action: string, command: string, env?: Record<string, string>): Promise<string> {
    this.log.debug(`${action}: running \`${command}\``);
    return this.#commands.run(action, command, env);
  }
}
