/**
 * The client of video drivers (upstream label
 * `jumpstarter_driver_ustreamer.client.UStreamerClient`): frames, the MJPEG
 * stream, and screen checks (`waitForText`, `waitForImage`). Its CLI
 * commands are in `cli.ts`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { videoCommands } from "./cli.ts";
import { crop, decodeImage, type Region } from "./image.ts";
import type { VideoState } from "./interface.ts";
import { readMjpegFrames } from "./mjpeg.ts";
import { type OcrOptions, readText } from "./ocr.ts";
import {
  type ImageCheckOptions,
  ScreenCheckError,
  type TextCheckOptions,
  type TextMatch,
  waitForImage,
  waitForText,
} from "./screen_checks.ts";

/**
 * A screen or camera: `snapshot()` gives one frame (PNG or JPEG bytes),
 * `mjpeg()` the MJPEG byte stream, `frames()` its JPEG frames;
 * `waitForText()` and `waitForImage()` wait for the screen to show
 * something. The last frame grabbed stays in `lastFrame` (the test kit saves
 * it when a test fails).
 *
 * @example
 * ```ts
 * import { encodePng, VideoClient, VideoDriver } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * // A video back-end only says how to grab one frame: here a white 64x48 screen.
 * class WhiteScreen extends VideoDriver {
 *   override capture(): Promise<Uint8Array> {
 *     const data = new Uint8Array(64 * 48 * 4).fill(255);
 *     return Promise.resolve(encodePng({ width: 64, height: 48, data }));
 *   }
 * }
 * await using root = await driverHarness(WhiteScreen);
 * const screen = root.child("dut", VideoClient);
 * const frame = await screen.snapshot(); // PNG bytes
 * assert.deepEqual((await screen.state()).result.source.resolution, { width: 64, height: 48 });
 * assert.deepEqual(await screen.waitForImage(frame, { timeout: 1000 }), { difference: 0 });
 * for await (const jpeg of screen.frames()) break; // the MJPEG stream's first frame
 * ```
 */
export class VideoClient extends DriverClient {
  #lastFrame?: Uint8Array<ArrayBuffer>;
  #saved?: { frame: Uint8Array; file: string };

  /** The last frame `snapshot()` returned, if any. */
  get lastFrame(): Uint8Array<ArrayBuffer> | undefined {
    return this.#lastFrame;
  }

  /**
   * Saves the last frame to a new temporary file (once per frame) and returns
   * its path; undefined when no frame was grabbed. The test kit calls it when
   * a test fails.
   */
  saveLastFrame(): string | undefined {
    const frame = this.#lastFrame;
    if (!frame) return undefined;
    if (this.#saved?.frame !== frame) {
      const suffix = frame[0] === 0xff ? ".jpg" : ".png";
      const file = Deno.makeTempFileSync({ prefix: `jumpstarter-${this.name}-`, suffix });
      Deno.writeFileSync(file, frame);
      this.#saved = { frame, file };
    }
    return this.#saved.file;
  }

  /** One frame from the driver: PNG (QEMU, ffmpeg) or JPEG (HTTP cameras) bytes. */
  async snapshot(): Promise<Uint8Array<ArrayBuffer>> {
    const encoded = await this.call<string>("snapshot");
    const frame = new Uint8Array(Buffer.from(encoded, "base64"));
    this.#lastFrame = frame;
    return frame;
  }

  /** Resolution and frame rate as the driver reports them (upstream's ustreamer state). */
  state(): Promise<VideoState> {
    return this.call<VideoState>("state");
  }

  /**
   * The MJPEG byte stream (`multipart/x-mixed-replace`, boundary
   * `MJPEG_BOUNDARY`), ready to send as an HTTP response body; cancel it to stop.
   */
  async mjpeg(): Promise<ReadableStream<Uint8Array>> {
    const duplex = await this.stream();
    await duplex.writable.close().catch(() => {});
    return duplex.readable;
  }

  /** The stream's JPEG frames; breaking out of the loop stops the stream. */
  async *frames(): AsyncGenerator<Uint8Array<ArrayBuffer>> {
    for await (const frame of readMjpegFrames(await this.mjpeg())) {
      this.#lastFrame = frame;
      yield frame;
    }
  }

  /** The text OCR reads on the screen now (or in `region`). */
  async text(options: OcrOptions & { region?: Region } = {}): Promise<string> {
    const whole = decodeImage(await this.snapshot());
    return await readText(options.region ? crop(whole, options.region) : whole, options);
  }

  /**
   * Waits until the screen shows `pattern` (OCR with tesseract); a string
   * matches ignoring runs of spaces. Fails with `ScreenCheckError` after
   * `timeout` ms (default 30 s), the last frame saved to a file it names.
   */
  waitForText(pattern: string | RegExp, options: TextCheckOptions = {}): Promise<TextMatch> {
    return this.#noting(waitForText(this, pattern, options));
  }

  /**
   * Waits until the screen (or `region`) looks like `reference` (a PNG or
   * JPEG file path, URL or bytes) within `threshold`, the share of 4x4 pixel
   * blocks that may differ (default 0.01). Fails with `ScreenCheckError`.
   */
  async waitForImage(
    reference: string | URL | Uint8Array,
    options: ImageCheckOptions = {},
  ): Promise<{ difference: number }> {
    const bytes = reference instanceof Uint8Array
      ? reference
      : await Deno.readFile(reference).catch((error) => {
        throw new TypeError(
          `Cannot read the reference image "${reference}": ${(error as Error).message}`,
        );
      });
    const name = reference instanceof Uint8Array ? "the reference image" : String(reference);
    return await this.#noting(waitForImage(this, bytes, name, options));
  }

  /** Remembers where a failed check saved its frame, so a failure report names the same file. */
  async #noting<T>(check: Promise<T>): Promise<T> {
    try {
      return await check;
    } catch (error) {
      if (error instanceof ScreenCheckError) {
        this.#saved = { frame: error.frame, file: error.frameFile };
      }
      throw error;
    }
  }

  /** `snapshot -o FILE`, `stream [--port N]`, `text` and `state`. */
  override commands(): DriverCommand[] {
    return videoCommands(this);
  }
}
