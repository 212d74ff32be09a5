/**
 * `qemu.Qemu`'s `video` child: the VM's VGA screen, grabbed with QMP
 * `screendump`, so the video client's snapshot, MJPEG stream and screen
 * checks work on the virtual board. QEMU 7.1 and later write PNG; older
 * ones only PPM, which is converted here.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { encodePng, type Pixels } from "../video/image.ts";
import { VideoDriver } from "../video/interface.ts";
import type { QemuMachine } from "./machine.ts";
import { QmpError } from "./qmp.ts";

const WHEN_OFF = "Cannot grab the screen: the QEMU board is off; power it on first";

/** The VM's screen as a video driver. */
export class QemuDisplay extends VideoDriver {
  #format: "png" | "ppm" = "png";

  constructor(config: DriverConfig, context: DriverContext, readonly machine: QemuMachine) {
    super(config, context);
  }

  /** The screen now, as PNG; fails while the VM is off. */
  override async capture(): Promise<Uint8Array> {
    const file = await Deno.makeTempFile({ prefix: "jumpstarter-screen-", suffix: ".img" });
    try {
      if (this.#format === "png") {
        try {
          await this.machine.qmp("screendump", { filename: file, format: "png" }, WHEN_OFF);
          return await Deno.readFile(file);
        } catch (error) {
          if (!(error instanceof QmpError)) throw error;
          this.log.info(`screendump cannot write PNG (${error.message}); using PPM`);
          this.#format = "ppm";
        }
      }
      await this.machine.qmp("screendump", { filename: file }, WHEN_OFF);
      return encodePng(ppmPixels(await Deno.readFile(file)));
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }
}

/** The pixels of a binary PPM (P6, 8 bits a channel), as QEMU's screendump writes it. */
export function ppmPixels(bytes: Uint8Array): Pixels {
  const head = new TextDecoder().decode(bytes.subarray(0, 64));
  const match = head.match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  if (!match) throw new TypeError(`Not a binary PPM screendump: starts "${head.slice(0, 12)}"`);
  const [width, height] = [Number(match[1]), Number(match[2])];
  const rgb = bytes.subarray(match[0].length);
  if (rgb.length < width * height * 3) {
    throw new TypeError(`PPM screendump is short: ${rgb.length} bytes for ${width}x${height}`);
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0, o = 0; i < width * height * 3; i += 3, o += 4) {
    data[o] = rgb[i];
    data[o + 1] = rgb[i + 1];
    data[o + 2] = rgb[i + 2];
    data[o + 3] = 255;
  }
  return { width, height, data };
}
