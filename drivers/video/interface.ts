/**
 * The video interface every screen or camera driver implements: `snapshot`
 * (one frame, base64, as upstream's ustreamer driver answers), `state`
 * (upstream's ustreamer state shape) and `connect`, a byte stream of MJPEG
 * parts. Back-ends only say how to grab one frame (`capture`) and, when they
 * have a better way than grabbing frames in a loop, how to stream JPEG
 * frames (`jpegFrames`).
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { byteStream, unary } from "../../src/driver/exports.ts";
import { type Duplex, duplexPair } from "../../src/driver/stream.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { Buffer } from "node:buffer";
import { decodeImage, encodeJpeg, imageSize, imageType } from "./image.ts";
import { mjpegPart } from "./mjpeg.ts";

/** The largest frame `snapshot()` sends: its base64 must fit a 16 MiB call. */
export const MAX_SNAPSHOT_BYTES = 11 * 1024 * 1024;

/** What `state()` answers: upstream's `UStreamerState` shape. */
export interface VideoState {
  ok: boolean;
  result: {
    encoder: { type: string; quality: number };
    source: {
      online: boolean;
      desired_fps: number;
      captured_fps: number;
      resolution: { width: number; height: number };
    };
  };
}

/**
 * Base of the video drivers (client `jumpstarter_driver_ustreamer.client.UStreamerClient`).
 * Config shared by all: `fps` (frames a second of the stream, default 5),
 * `quality` (JPEG quality of frames this driver encodes, default 80).
 */
export abstract class VideoDriver extends Driver {
  static override client = "jumpstarter_driver_ustreamer.client.UStreamerClient";

  readonly fps: number;
  readonly quality: number;
  protected readonly closing: AbortController = new AbortController();
  #lastSize = { width: 0, height: 0 };
  #captured: number[] = [];

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.fps = Math.min(reader.number("fps", 5, 0.1), 60);
    this.quality = Math.round(Math.min(reader.number("quality", 80, 1), 100));
  }

  /** One frame, PNG or JPEG bytes. */
  abstract capture(): Promise<Uint8Array>;

  /**
   * JPEG frames until `signal` aborts. The default grabs a frame every
   * 1/fps s and encodes it as JPEG if it is not one already.
   */
  async *jpegFrames(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const interval = 1000 / this.fps;
    while (!signal.aborted) {
      const started = performance.now();
      const frame = await this.capture();
      yield imageType(frame) === "jpeg" ? frame : encodeJpeg(decodeImage(frame), this.quality);
      const wait = interval - (performance.now() - started);
      if (wait > 0) await sleep(wait, signal);
    }
  }

  /** Notes a frame's size and time for `state()`; back-ends call it for each frame. */
  protected captured(frame: Uint8Array): Uint8Array {
    this.#lastSize = imageSize(frame) ?? this.#lastSize;
    const now = performance.now();
    this.#captured = [...this.#captured.filter((t) => now - t < 1000), now];
    return frame;
  }

  @unary({ description: "Grab one frame (base64 PNG or JPEG)" })
  async snapshot(): Promise<string> {
    const frame = this.captured(await this.capture());
    if (frame.length > MAX_SNAPSHOT_BYTES) {
      throw new UnavailableError(
        `Cannot send a frame of ${frame.length} bytes: over ${MAX_SNAPSHOT_BYTES} (a call carries 16 MiB, base64 included); lower the source's resolution or use the stream`,
      );
    }
    return Buffer.from(frame).toString("base64");
  }

  @unary({ description: "Source resolution and frame rate (upstream's ustreamer state)" })
  state(): VideoState | Promise<VideoState> {
    const recent = this.#captured.filter((t) => performance.now() - t < 1000).length;
    return {
      ok: true,
      result: {
        encoder: { type: "CPU", quality: this.quality },
        source: {
          online: this.#lastSize.width > 0,
          desired_fps: this.fps,
          captured_fps: recent,
          resolution: { ...this.#lastSize },
        },
      },
    };
  }

  @byteStream({ description: "MJPEG stream (multipart/x-mixed-replace parts)" })
  connect(): Duplex {
    const [client, device] = duplexPair(4);
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.closing.signal]);
    device.readable.pipeTo(new WritableStream()).catch(() => {});
    (async () => {
      const writer = device.writable.getWriter();
      writer.closed.catch(() => stop.abort()); // the client went away
      try {
        for await (const jpeg of this.jpegFrames(signal)) {
          const sent = await writer.write(mjpegPart(this.captured(jpeg))).then(
            () => true,
            () => false,
          );
          if (!sent) return; // the client went away
        }
        await writer.close();
      } catch (error) {
        if (!signal.aborted) this.log.warning(`video stream failed: ${(error as Error).message}`);
        await writer.abort(error).catch(() => {});
      } finally {
        stop.abort();
      }
    })();
    return client;
  }

  override close(): void {
    this.closing.abort();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
