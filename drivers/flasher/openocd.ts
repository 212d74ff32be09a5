/**
 * `flasher.OpenOcd`: microcontrollers behind a debug probe (ST-Link,
 * CMSIS-DAP, J-Link, FTDI JTAG...), flashed with OpenOCD's `program`
 * command (write, verify, reset).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FlasherDriver } from "./interface.ts";
import type { StagedImage } from "./staged_image.ts";

function stringList(config: DriverConfig, key: string, path: string): string[] {
  const value = config[key];
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
    throw new ConfigError(
      `Invalid config ${path}.config.${key}: expected a string or a list of strings, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return list;
}

/** The line of OpenOCD's output that says why it failed. */
export function openOcdFailure(output: string): string | undefined {
  const lines = output.split("\n").map((line) => line.trim());
  const banner = lines.find((line) =>
    /^\*\* .* \*\*$/.test(line) && !/Started|Finished|OK/.test(line)
  );
  const noTarget = lines.some((line) =>
    /need one or more targets defined|no targets? (defined|found)/i.test(line)
  );
  const error = lines.find((line) => line.startsWith("Error:") && line.length > "Error: ".length);
  if (noTarget) {
    return `${
      banner ?? error ?? "no target"
    } (OpenOCD has no target: set target, e.g. target/stm32f4x.cfg)`;
  }
  return banner ?? error;
}

/**
 * Runs `openocd -f INTERFACE -f TARGET -c "program IMAGE verify reset exit [ADDRESS]"`.
 *
 * Config: `interface` (e.g. `interface/stlink.cfg`), `target` (e.g.
 * `target/stm32f4x.cfg`), `board` (a board file instead of both), `config`
 * (more `-f` files), `commands` (more `-c` commands run first, e.g.
 * `adapter serial 066DFF...` to pick one probe), `search` (`-s` directories),
 * `address` (where a raw `.bin` goes, default `0x08000000`), `verify` and
 * `reset` (default true), `program` (default `openocd`), `timeout`
 * (seconds, default 300). ELF and HEX images carry their own addresses.
 */
export class OpenOcd extends FlasherDriver {
  readonly args: string[];
  readonly address: number;
  readonly verify: boolean;
  readonly resetAfter: boolean;
  readonly programName: string;
  readonly timeout: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const files = [
      ...["interface", "board", "target"].map((key) => reader.string(key)).filter((f) => f),
      ...stringList(config, "config", context.path),
    ] as string[];
    const commands = stringList(config, "commands", context.path);
    if (files.length === 0 && commands.length === 0) {
      throw new ConfigError(
        `Invalid config ${context.path}.config: give interface and target (e.g. interface/stlink.cfg, target/stm32f4x.cfg), board, config or commands`,
      );
    }
    this.args = [
      ...stringList(config, "search", context.path).flatMap((dir) => ["-s", dir]),
      ...files.flatMap((file) => ["-f", file]),
      ...commands.flatMap((command) => ["-c", command]),
    ];
    this.address = reader.number("address", 0x08000000, 0);
    this.verify = reader.boolean("verify", true);
    this.resetAfter = reader.boolean("reset", true);
    this.programName = reader.string("program", "openocd");
    this.timeout = reader.number("timeout", 300, 0);
  }

  protected program(): { name: string; hint: string } {
    return {
      name: this.programName,
      hint: "apt-get install openocd, or set `program` to its path",
    };
  }

  protected resolveTarget(target: string | null | undefined): string {
    return this.singleTarget(target, "An OpenOCD flasher");
  }

  protected async flashImage(image: StagedImage, _target: string, program: string) {
    const words = ["program", `{${image.path}}`];
    if (this.verify) words.push("verify");
    if (this.resetAfter) words.push("reset");
    words.push("exit");
    if (image.format === "bin") words.push(`0x${this.address.toString(16)}`);
    await this.tools.run(program, [...this.args, "-c", words.join(" ")], {
      what: "openocd program",
      timeout: this.timeout,
      cwd: this.context.baseDir,
      explain: openOcdFailure,
      onLine: (line) => {
        if (/^\*\* /.test(line)) this.log.info(line);
        else this.log.debug(line);
      },
    });
  }
}
