/**
 * `flasher.Uf2`: boards with a UF2 mass-storage bootloader (Raspberry Pi
 * Pico and Pico 2 in BOOTSEL mode, and others): the image is converted to
 * UF2 and copied onto the board's drive. Upstream's
 * `jumpstarter_driver_pi_pico.driver.PiPicoFlasher` config loads.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FlasherDriver } from "./interface.ts";
import { copyToVolume, findVolume } from "./msd_mount.ts";
import type { StagedImage } from "./staged_image.ts";
import { imageToUf2, UF2_FAMILIES } from "./uf2.ts";

/** The marker files at the root of a UF2 bootloader's drive. */
const MARKERS = ["INFO_UF2.TXT", "INDEX.HTM"];

/**
 * Converts and copies images to a UF2 bootloader drive.
 *
 * Config: `mount` (the drive's directory; default: the one mount point
 * holding `INFO_UF2.TXT`), `family` (a name in `UF2_FAMILIES` or a number;
 * default `rp2040`), `address` (where a raw `.bin` goes; default
 * `0x10000000`, the Pico's flash), `bootloader_wait_seconds` (upstream's:
 * how long to wait for the drive, default 5).
 */
export class Uf2 extends FlasherDriver {
  readonly mount?: string;
  readonly familyId: number;
  readonly address: number;
  readonly wait: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.mount = reader.string("mount");
    const family = config.family ?? "rp2040";
    const id = typeof family === "number" ? family : UF2_FAMILIES[String(family).toLowerCase()];
    if (id === undefined || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.family: expected one of ${
          Object.keys(UF2_FAMILIES).join(", ")
        } or a family ID number, got ${JSON.stringify(family)}`,
      );
    }
    this.familyId = id;
    this.address = reader.number("address", 0x10000000, 0);
    this.wait = reader.number("bootloader_wait_seconds", 5, 0);
  }

  protected program(): undefined {
    return undefined;
  }

  protected resolveTarget(target: string | null | undefined): string {
    return this.singleTarget(target, "A UF2 board");
  }

  protected async flashImage(image: StagedImage): Promise<void> {
    const volume = await findVolume({
      markers: MARKERS,
      mount: this.mount,
      wait: this.wait,
      what: "UF2 bootloader drive",
    });
    const uf2 = imageToUf2(
      await Deno.readFile(image.path),
      image.format,
      this.familyId,
      this.address,
    );
    this.log.info(`copying ${uf2.length} bytes of UF2 to ${volume}`);
    await copyToVolume(volume, "firmware.uf2", uf2);
  }
}
