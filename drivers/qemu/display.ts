/**
 * `qemu.Qemu`'s `video` child: the VM's VGA screen, grabbed with QMP
 * `screendump` as PNG (QEMU 7.1 or later), so the video client's snapshot,
 * MJPEG stream and screen checks work on the virtual board.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { VideoDriver } from "../video/interface.ts";
import type { QemuMachine } from "./machine.ts";

/** The VM's screen as a video driver. */
export class QemuDisplay extends VideoDriver {
  constructor(config: DriverConfig, context: DriverContext, readonly machine: QemuMachine) {
    super(config, context);
  }

  /** The screen now, as PNG; fails while the VM is off. */
  override async capture(): Promise<Uint8Array> {
    const file = await Deno.makeTempFile({ prefix: "jumpstarter-screen-", suffix: ".png" });
    try {
      await this.machine.qmp(
        "screendump",
        { filename: file, format: "png" },
        "Cannot grab the screen: the QEMU board is off; power it on first",
      );
      return await Deno.readFile(file);
    } finally {
      await Deno.remove(file).catch(() => {});
    }
  }
}
