/**
 * `flasher.Dfu`: boards in USB DFU mode (STM32 system bootloader, many
 * others), flashed with `dfu-util -d VID:PID -a ALT -s ADDRESS -D IMAGE`.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FlasherDriver } from "./interface.ts";
import type { StagedImage } from "./staged_image.ts";

/** The line of dfu-util's output that says why it failed. */
export function dfuFailure(output: string): string | undefined {
  const lines = output.split("\n").map((line) => line.trim()).filter((line) => line);
  const failure = lines.findLast((line) =>
    /^dfu-util: /.test(line) && !/Warning|suffix/i.test(line)
  );
  if (failure && /No DFU capable USB device/.test(failure)) {
    return `${failure} (is the board in DFU mode and plugged in? check device and serial)`;
  }
  return failure;
}

/**
 * Flashes with `dfu-util`.
 *
 * Config: `device` (`VID:PID`, e.g. `0483:df11`), `serial` (the USB serial
 * number, to pick one of several), `alt` (the alternate setting or its name;
 * targets name others), `address` (DfuSe start address for a `.bin`, e.g.
 * `0x08000000`), `leave` (default true: start the firmware afterwards),
 * `program` (default `dfu-util`), `timeout` (seconds, default 300).
 * The target is the alternate setting (default `alt`, or 0).
 */
export class Dfu extends FlasherDriver {
  readonly device?: string;
  readonly serial?: string;
  readonly alt: string;
  readonly address?: number;
  readonly leave: boolean;
  readonly programName: string;
  readonly timeout: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.device = reader.string("device");
    if (this.device !== undefined && !/^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/.test(this.device)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.device: expected VID:PID in hex (e.g. 0483:df11), got "${this.device}"`,
      );
    }
    this.serial = reader.string("serial");
    this.alt = String(config.alt ?? "0");
    this.address = config.address === undefined ? undefined : reader.number("address", 0, 0);
    this.leave = reader.boolean("leave", true);
    this.programName = reader.string("program", "dfu-util");
    this.timeout = reader.number("timeout", 300, 0);
  }

  protected program(): { name: string; hint: string } {
    return {
      name: this.programName,
      hint: "apt-get install dfu-util, or set `program` to its path",
    };
  }

  protected resolveTarget(target: string | null | undefined): string {
    const alt = target ?? this.alt;
    if (!/^[\w@/ .:-]+$/.test(alt)) {
      throw new RangeError(`Invalid DFU alternate setting ${JSON.stringify(alt)}`);
    }
    return alt;
  }

  protected async flashImage(image: StagedImage, alt: string, program: string) {
    if (image.format === "elf" || image.format === "uf2") {
      throw new RangeError(`dfu-util takes raw images, not ${image.format}: convert it to .bin`);
    }
    const args = [
      ...(this.device ? ["-d", this.device] : []),
      ...(this.serial ? ["-S", this.serial] : []),
      "-a",
      alt,
      ...(this.address === undefined
        ? []
        : ["-s", `0x${this.address.toString(16)}${this.leave ? ":leave" : ""}`]),
      ...(this.address === undefined && this.leave ? ["-R"] : []),
      "-D",
      image.path,
    ];
    await this.tools.run(program, args, {
      what: `dfu-util download to ${this.device ?? "the DFU device"} alt ${alt}`,
      timeout: this.timeout,
      explain: dfuFailure,
      onLine: (line) => this.log.debug(line),
    });
  }
}
