/**
 * The storage mux of a DUT Link board: `storage host|dut|off` through its
 * shell, the card written as the block device it shows up as on the host.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { FileStorageMux, type MuxState } from "../storage/file.ts";
import type { DutLinkShell } from "./shell.ts";

const ANSWERS: Record<MuxState, RegExp> = {
  host: /connected to host/,
  dut: /connected to device under test/,
  off: /storage disconnected/,
};

/** The `storage` child of `dutlink.DutLink`; config as `storage.FileStorageMux` plus `wait`. */
export class DutLinkStorage extends FileStorageMux {
  constructor(
    config: DriverConfig,
    context: DriverContext,
    readonly shell: DutLinkShell,
    readonly wait: number,
  ) {
    super(config, context);
  }

  protected override async switchTo(state: MuxState): Promise<void> {
    await this.shell.run(`storage ${state}`, ANSWERS[state]);
    await super.switchTo(state);
  }

  /** Waits up to `wait` seconds for the card's device to appear on the host. */
  protected override async ready(): Promise<void> {
    const deadline = performance.now() + this.wait * 1000;
    while (!(await Deno.stat(this.path).then(() => true, () => false))) {
      if (performance.now() >= deadline) {
        throw new UnavailableError(
          `DUT Link storage "${this.path}" did not appear within ${this.wait} s after switching to the host (check storage_device)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
