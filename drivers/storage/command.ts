/**
 * `storage.CommandStorageMux`: an SD-card mux (SDWire, usbsdmux, a relay
 * board...) switched by its vendor tool, with the card appearing on the
 * exporter host as a block device while on the host side.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { NotImplementedError, UnavailableError } from "../../src/driver/errors.ts";
import { lastLine } from "../../src/driver/last_line.ts";
import { runScript } from "../../src/driver/run_script.ts";
import { FileStorageMux, type MuxState } from "./file.ts";

/**
 * Runs a configured shell command to switch the mux, then reads and writes
 * the block device at `path`.
 *
 * Config:
 * - `host`, `dut` (required): commands that connect the card to the exporter
 *   host or to the device (e.g. `sd-mux-ctrl -e sdw-001 --ts`).
 * - `off`: a command that disconnects the card (without it `off()` is not implemented).
 * - `path` (required): the block device the card shows up as on the host
 *   (`/dev/disk/by-id/usb-...`); `size` as for `storage.FileStorageMux`.
 * - `wait`: seconds to wait for `path` to appear after `host` (default 10).
 * - `timeout`: seconds a command may run (default 30).
 * - `shell`: the shell running the commands with `-c` (default `/bin/sh`).
 *
 * Commands run in the config file's directory with `$JUMPSTARTER_STORAGE_PATH`
 * set to `path`. A failing command fails the call with its status and last
 * line of error output.
 */
export class CommandStorageMux extends FileStorageMux {
  readonly commands: Partial<Record<MuxState, string>>;
  readonly wait: number;
  readonly timeout: number;
  readonly shell: string;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.commands = {
      host: reader.required("host"),
      dut: reader.required("dut"),
      off: reader.string("off"),
    };
    this.wait = reader.number("wait", 10, 0);
    this.timeout = reader.number("timeout", 30, 0);
    this.shell = reader.string("shell", "/bin/sh");
  }

  protected override async switchTo(state: MuxState): Promise<void> {
    const command = this.commands[state];
    if (command === undefined) {
      throw new NotImplementedError(`${this.label} has no "${state}" command configured`);
    }
    const result = await runScript(command, {
      shell: [this.shell, "-c"],
      name: state,
      cwd: this.context.baseDir,
      env: { JUMPSTARTER_STORAGE_PATH: this.path },
      timeout: this.timeout,
    }, `Storage mux command "${state}" (\`${command}\`)`);
    if (result.code !== 0) {
      const detail = lastLine(result.stderr) || lastLine(result.stdout) || "no output";
      throw new DriverError(
        "unknown",
        `Storage mux command "${state}" (\`${command}\`) exited with status ${result.code}: ${detail}`,
      );
    }
    await super.switchTo(state);
  }

  /** Waits up to `wait` seconds for the card's device to appear on the host. */
  protected override async ready(): Promise<void> {
    const deadline = performance.now() + this.wait * 1000;
    while (true) {
      try {
        await Deno.stat(this.path);
        return;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      if (performance.now() >= deadline) {
        throw new UnavailableError(
          `${this.label}: "${this.path}" did not appear within ${this.wait} s after switching to the host`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
