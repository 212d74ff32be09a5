/**
 * The flasher interface every flasher implements (upstream's
 * `FlasherInterface`): `flash(handle, target)` takes an uploaded image and
 * writes it with the device's tool. The image is staged in a temporary file
 * (tools want paths), hashed on the way, and the result reports its size
 * and SHA-256 so the client checks what arrived against its file.
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { unary } from "../../src/driver/exports.ts";
import { requireProgram } from "../../src/driver/find_program.ts";
import { ToolRunner } from "../../src/driver/tool_runner.ts";
import { type StagedImage, stageImage } from "./staged_image.ts";

/** What `flash()` reports. */
export interface FlashResult {
  size: number;
  sha256: string;
  target: string;
}

/**
 * Base of the flashers. Subclasses say which program they need
 * (`program`, with an install hint), which targets they accept
 * (`resolveTarget`) and how a staged image is flashed (`flashImage`).
 */
export abstract class FlasherDriver extends Driver {
  static override client = "jumpstarter_driver_opendal.client.FlasherClient";

  protected readonly tools: ToolRunner = new ToolRunner();
  #busy?: string;

  /** The program this flasher runs, and how to install it. */
  protected abstract program(): { name: string; hint: string } | undefined;

  /** The target `flash` writes for the requested one (a partition, an address...). */
  protected abstract resolveTarget(target: string | null | undefined): string;

  /** Flashes the staged image to `target` with `program` (the resolved path). */
  protected abstract flashImage(image: StagedImage, target: string, program: string): Promise<void>;

  /** `resolveTarget` of a device with one target, "default" (`what` names it in the error). */
  protected singleTarget(target: string | null | undefined, what: string): string {
    if (target !== undefined && target !== null && target !== "default") {
      throw new RangeError(`${what} has one target ("default"), not ${JSON.stringify(target)}`);
    }
    return "default";
  }

  /** Writes an uploaded image to `target` with the device's tool. */
  @unary({ description: "Flash an uploaded image to a target", params: ["object", "string?"] })
  async flash(handle: unknown, target?: string | null): Promise<FlashResult> {
    const source = this.context.openResource(handle);
    let resolved: string;
    let program = "";
    try {
      resolved = this.resolveTarget(target);
      const needed = this.program();
      if (needed) program = await requireProgram(needed.name, needed.hint);
      if (this.#busy) {
        throw new FailedPreconditionError(
          `${this.context.name || "flasher"} is busy: a flash of ${this.#busy} is running`,
        );
      }
    } catch (error) {
      await source.cancel(error).catch(() => {});
      throw error;
    }
    this.#busy = resolved;
    try {
      const image = await stageImage(source);
      try {
        this.log.info(`flashing ${image.size} bytes (${image.format}) to ${resolved}`);
        await this.flashImage(image, resolved, program);
        this.log.info(`flashed ${resolved}`);
        return { size: image.size, sha256: image.sha256, target: resolved };
      } finally {
        await image.remove();
      }
    } finally {
      this.#busy = undefined;
    }
  }

  /** Kills the tools still running. */
  override close(): Promise<void> | void {
    this.tools.killAll();
  }
}
