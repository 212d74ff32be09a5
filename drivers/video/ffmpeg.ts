/**
 * `video.FfmpegVideo`: any camera or HDMI capture device ffmpeg can read,
 * normally a V4L2 device (`/dev/video0`), or any other ffmpeg input
 * (`format: lavfi`, `device: testsrc` is a camera stand-in). Snapshots are
 * one-frame ffmpeg runs (PNG); the stream is one ffmpeg process writing
 * MJPEG, shared by every viewer and answering snapshots while it runs.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { spawnTool } from "./spawn_tool.ts";
import { FrameFanout } from "./frame_fanout.ts";
import { VideoDriver } from "./interface.ts";
import { readMjpegFrames } from "./mjpeg.ts";

/**
 * A video source read by ffmpeg. Config: `device` (required; the input,
 * e.g. `/dev/video0`), `format` (ffmpeg input format, default `v4l2`),
 * `size` (`1280x720`), `inputArgs` (more ffmpeg arguments before `-i`),
 * `ffmpeg` (the binary, default `ffmpeg`), `timeout` (seconds a snapshot
 * may take, default 10), and `fps`, `quality` of every video driver.
 */
export class FfmpegVideo extends VideoDriver {
  readonly device: string;
  readonly input: string[];
  readonly binary: string;
  readonly timeout: number;
  readonly #fanout = new FrameFanout((signal) => this.#stream(signal));

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.device = reader.required("device");
    const size = reader.string("size");
    if (size !== undefined && !/^\d+x\d+$/.test(size)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.size: expected WIDTHxHEIGHT such as 1280x720, got "${size}"`,
      );
    }
    const extra = config.inputArgs ?? [];
    if (!Array.isArray(extra) || !extra.every((a) => typeof a === "string")) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.inputArgs: expected a list of strings`,
      );
    }
    this.input = [
      ...extra,
      "-f",
      reader.string("format", "v4l2"),
      ...(size ? ["-video_size", size] : []),
      "-i",
      this.device,
    ];
    this.binary = reader.string("ffmpeg", "ffmpeg");
    this.timeout = reader.number("timeout", 10, 1);
  }

  override async capture(): Promise<Uint8Array> {
    const streamed = this.#fanout.latest(2000 / this.fps);
    if (streamed) return streamed;
    const child = this.#spawn([
      ...this.input,
      "-frames:v",
      "1",
      "-f",
      "image2pipe",
      "-c:v",
      "png",
      "-",
    ]);
    const timer = setTimeout(() => child.kill("SIGKILL"), this.timeout * 1000);
    try {
      const output = await child.output();
      if (!output.success || output.stdout.length === 0) {
        throw new UnavailableError(
          `Cannot grab a frame from "${this.device}": ffmpeg ${
            output.signal === "SIGKILL" ? `took over ${this.timeout} s` : "failed"
          }: ${lastLine(output.stderr)}`,
        );
      }
      return output.stdout;
    } finally {
      clearTimeout(timer);
    }
  }

  override jpegFrames(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    return this.#fanout.frames(AbortSignal.any([signal, this.closing.signal]));
  }

  async *#stream(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const child = this.#spawn([
      ...this.input,
      "-r",
      String(this.fps),
      "-q:v",
      String(Math.round(31 - (this.quality / 100) * 29)),
      "-f",
      "mpjpeg",
      "-",
    ]);
    const kill = () => child.kill("SIGKILL");
    signal.addEventListener("abort", kill);
    const stderr = new Response(child.stderr).bytes();
    try {
      let frames = 0;
      for await (const frame of readMjpegFrames(child.stdout)) {
        frames++;
        yield frame;
      }
      const status = await child.status;
      if (!signal.aborted && (!status.success || frames === 0)) {
        throw new UnavailableError(
          `Cannot stream "${this.device}": ffmpeg failed: ${lastLine(await stderr)}`,
        );
      }
    } finally {
      signal.removeEventListener("abort", kill);
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited already.
      }
      await child.status;
      await stderr.catch(() => {});
    }
  }

  #spawn(args: string[]): Deno.ChildProcess {
    return spawnTool(
      this.binary,
      {
        args: ["-hide_banner", "-loglevel", "error", "-nostdin", ...args],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      },
      `Cannot read "${this.device}"`,
      "ffmpeg",
    );
  }

  override close(): void {
    super.close();
    this.#fanout.close();
  }
}

function lastLine(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).trim().split("\n").at(-1) || "no message";
}
