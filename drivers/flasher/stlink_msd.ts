/**
 * `flasher.StLinkMsd`: STM32 Nucleo and Discovery boards, flashed by
 * copying a `.bin` or `.hex` onto the ST-Link's mass-storage drive.
 * Upstream's `jumpstarter_driver_stlink_msd.driver.StlinkMsdFlasher`
 * config loads.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { FlasherDriver } from "./interface.ts";
import { copyToVolume, findVolume } from "./msd_mount.ts";
import type { StagedImage } from "./staged_image.ts";

/** The marker files at the root of an ST-Link drive. */
const MARKERS = ["DETAILS.TXT", "MBED.HTM"];

/**
 * Copies firmware to an ST-Link drive.
 *
 * Config: `volume_name` (upstream's: the drive's name, e.g. `NODE_F401RE`,
 * to choose among several), `mount` (the drive's directory; default: the
 * mount point holding `DETAILS.TXT`), `wait` (seconds to wait for the
 * drive, default 5).
 */
export class StLinkMsd extends FlasherDriver {
  readonly volumeName?: string;
  readonly mount?: string;
  readonly wait: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.volumeName = reader.string("volume_name");
    this.mount = reader.string("mount");
    this.wait = reader.number("wait", 5, 0);
  }

  protected program(): undefined {
    return undefined;
  }

  protected resolveTarget(target: string | null | undefined): string {
    return this.singleTarget(target, "An ST-Link board");
  }

  protected async flashImage(image: StagedImage): Promise<void> {
    if (image.format !== "bin" && image.format !== "hex") {
      throw new RangeError(
        `ST-Link mass storage takes .bin or .hex images, not ${image.format}: convert it with arm-none-eabi-objcopy -O binary in.elf out.bin`,
      );
    }
    const volume = await findVolume({
      markers: MARKERS,
      mount: this.mount,
      name: this.volumeName,
      wait: this.wait,
      what: "ST-Link drive",
    });
    await copyToVolume(volume, `firmware.${image.format}`, await Deno.readFile(image.path));
  }
}
