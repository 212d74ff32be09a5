/**
 * `flasher.Fastboot`: Android devices in fastboot mode, flashed with the
 * `fastboot` tool (`fastboot -s SERIAL flash PARTITION IMAGE`), over USB or
 * TCP (`serial: tcp:192.168.1.20:5554`).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { unary } from "../../src/driver/exports.ts";
import { requireProgram } from "../../src/driver/find_program.ts";
import { FlasherDriver } from "./interface.ts";
import type { StagedImage } from "./staged_image.ts";

const PARTITION = /^[A-Za-z0-9_.-]+$/;
const HINT = "apt-get install fastboot, or set `program` to its path";

/**
 * Flashes partitions with `fastboot`.
 *
 * Config: `serial` (the device: a USB serial number, or `tcp:HOST:PORT`;
 * default the only device attached), `partition` (flashed when `flash`
 * names no target), `reboot` (default false: reboot after each flash),
 * `program` (default `fastboot`), `timeout` (seconds per flash, default 600),
 * `wait` (seconds to wait for the device to show up, default 10).
 */
export class Fastboot extends FlasherDriver {
  readonly serial?: string;
  readonly partition?: string;
  readonly rebootAfter: boolean;
  readonly programName: string;
  readonly timeout: number;
  readonly wait: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.serial = reader.string("serial");
    this.partition = reader.string("partition");
    if (this.partition !== undefined) this.#checkPartition(this.partition);
    this.rebootAfter = reader.boolean("reboot", false);
    this.programName = reader.string("program", "fastboot");
    this.timeout = reader.number("timeout", 600, 0);
    this.wait = reader.number("wait", 10, 0);
  }

  protected program(): { name: string; hint: string } {
    return { name: this.programName, hint: HINT };
  }

  protected resolveTarget(target: string | null | undefined): string {
    const partition = target ?? this.partition;
    if (partition === undefined) {
      throw new RangeError(
        "Flash needs a partition: pass --target (e.g. boot, system) or set `partition` in the config",
      );
    }
    return this.#checkPartition(partition);
  }

  protected async flashImage(image: StagedImage, partition: string, program: string) {
    await this.#fastboot(program, ["flash", partition, image.path], `flash ${partition}`);
    if (this.rebootAfter) await this.#fastboot(program, ["reboot"], "reboot");
  }

  /** Reboots the device out of fastboot mode. */
  @unary({ description: "Reboot the device (out of fastboot mode)" })
  async reboot(): Promise<void> {
    const program = await requireProgram(this.programName, HINT);
    await this.#fastboot(program, ["reboot"], "reboot");
  }

  /** Erases a partition. */
  @unary({ description: "Erase a partition", params: ["string"] })
  async erase(partition: string): Promise<void> {
    this.#checkPartition(partition);
    const program = await requireProgram(this.programName, HINT);
    await this.#fastboot(program, ["erase", partition], `erase ${partition}`);
  }

  /** One bootloader variable (`product`, `version-bootloader`...). */
  @unary({ description: "Read a bootloader variable (fastboot getvar)", params: ["string"] })
  async getvar(name: string): Promise<string> {
    if (!/^[A-Za-z0-9_.:-]+$/.test(name)) {
      throw new RangeError(`Invalid variable name ${JSON.stringify(name)}`);
    }
    const program = await requireProgram(this.programName, HINT);
    const { stdout, stderr } = await this.#fastboot(program, ["getvar", name], `getvar ${name}`);
    const line = `${stdout}\n${stderr}`.split("\n").find((l) => l.startsWith(`${name}:`));
    return line?.slice(name.length + 1).trim() ?? "";
  }

  #checkPartition(name: string): string {
    if (!PARTITION.test(name)) {
      throw new RangeError(`Invalid partition ${JSON.stringify(name)}: use letters, digits, _ . -`);
    }
    return name;
  }

  /** Runs fastboot; a device that does not show up within `wait` fails in one line. */
  async #fastboot(program: string, args: string[], what: string) {
    const device = this.serial ?? "the fastboot device";
    const waiting = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await this.tools.run(program, [...(this.serial ? ["-s", this.serial] : []), ...args], {
        what: `fastboot ${what} on ${device}`,
        timeout: this.timeout,
        signal: waiting.signal,
        explain: (output) =>
          output.split("\n").find((l) => /FAILED|error:/.test(l))?.replace(/\s{2,}/g, " ").trim(),
        onLine: (line) => {
          this.log.debug(line);
          if (line.startsWith("< waiting for") && timer === undefined) {
            timer = setTimeout(() => {
              waiting.abort(
                new UnavailableError(
                  `fastboot ${what}: ${device} did not show up within ${this.wait} s (is it in fastboot mode and connected?)`,
                ),
              );
            }, this.wait * 1000);
          }
        },
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
