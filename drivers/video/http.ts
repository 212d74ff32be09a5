/**
 * `video.HttpVideo`: a camera or encoder that serves MJPEG over HTTP
 * (ustreamer, mjpg-streamer, IP cameras, PiKVM, `ffmpeg -f mpjpeg`).
 * Snapshots come from its snapshot URL when it has one, else from the
 * stream; the stream is one HTTP request shared by every viewer.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { redactUrl } from "../../src/driver/redact.ts";
import { FrameFanout } from "./frame_fanout.ts";
import { imageType } from "./image.ts";
import { VideoDriver } from "./interface.ts";
import { boundaryOf, MAX_FRAME_BYTES, readMjpegFrames } from "./mjpeg.ts";

/**
 * An MJPEG-over-HTTP source. Config: `url` (the MJPEG stream, e.g.
 * `http://pikvm.lab:8080/stream`), `snapshot` (a URL answering one JPEG or
 * PNG, e.g. ustreamer's `/snapshot`; optional), `username` and `password`
 * (basic auth), `timeout` (seconds for a snapshot or the stream's first
 * answer, default 10), and `fps`, `quality` of every video driver.
 */
export class HttpVideo extends VideoDriver {
  readonly url: string;
  readonly snapshotUrl?: string;
  readonly timeout: number;
  readonly #headers: Record<string, string>;
  readonly #fanout = new FrameFanout((signal) => this.#stream(signal));

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.url = httpUrl(reader.required("url"), `${context.path}.config.url`);
    const snapshot = reader.string("snapshot");
    this.snapshotUrl = snapshot && httpUrl(snapshot, `${context.path}.config.snapshot`);
    this.timeout = reader.number("timeout", 10, 0.1);
    const username = reader.string("username");
    const password = reader.string("password", "");
    this.#headers = username === undefined
      ? {}
      : { authorization: `Basic ${btoa(`${username}:${password}`)}` };
  }

  override async capture(): Promise<Uint8Array> {
    const streamed = this.#fanout.latest(2000 / this.fps);
    if (streamed) return streamed;
    if (this.snapshotUrl) {
      const response = await this.#get(this.snapshotUrl, AbortSignal.timeout(this.timeout * 1000));
      const bytes = await readAtMost(response, MAX_FRAME_BYTES, () =>
        new UnavailableError(
          `Snapshot of ${
            redactUrl(this.snapshotUrl!)
          } is over ${MAX_FRAME_BYTES} bytes; is it an image URL?`,
        ));
      if (!imageType(bytes)) {
        throw new UnavailableError(
          `Snapshot of ${redactUrl(this.snapshotUrl)} is not a JPEG or PNG image (${
            response.headers.get("content-type") ?? "no content type"
          })`,
        );
      }
      return bytes;
    }
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), this.timeout * 1000);
    try {
      for await (const frame of this.#fanout.frames(stop.signal)) return frame;
      throw new UnavailableError(
        `Cannot grab a frame from ${redactUrl(this.url)}: no frame within ${this.timeout} s`,
      );
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
  }

  override jpegFrames(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    return this.#fanout.frames(AbortSignal.any([signal, this.closing.signal]));
  }

  async *#stream(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const response = await this.#get(this.url, signal);
    const type = response.headers.get("content-type") ?? "";
    // ffmpeg's own HTTP output says application/octet-stream; the parts tell.
    if (!/^(multipart\/|application\/octet-stream)/i.test(type)) {
      await response.body?.cancel();
      throw new UnavailableError(
        `${redactUrl(this.url)} is not an MJPEG stream: it answered "${type || "no content type"}"`,
      );
    }
    yield* readMjpegFrames(response.body!, boundaryOf(type));
  }

  /**
   * GETs `url`. `timeout` bounds the wait for the answer's headers only, so a
   * stream runs on; `signal` (a snapshot's own time limit) covers the body too.
   */
  async #get(url: string, signal: AbortSignal): Promise<Response> {
    const answered = new AbortController();
    const timer = setTimeout(() => answered.abort(), this.timeout * 1000);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: this.#headers,
        signal: AbortSignal.any([signal, answered.signal]),
      });
    } catch (error) {
      const timedOut = answered.signal.aborted ||
        (signal.reason as Error | undefined)?.name === "TimeoutError";
      const reason = timedOut ? `no answer within ${this.timeout} s` : (error as Error).message;
      throw new UnavailableError(`Cannot fetch ${redactUrl(url)}: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UnavailableError(
        `Cannot fetch ${redactUrl(url)}: it answered ${response.status} ${response.statusText}`,
      );
    }
    return response;
  }

  override close(): void {
    super.close();
    this.#fanout.close();
  }
}

function httpUrl(text: string, path: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`Invalid config ${path}: "${text}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(
      `Invalid config ${path}: expected an http:// or https:// URL, got "${text}"`,
    );
  }
  return url.href;
}

/** The body, or `tooLong()` thrown once it passes `limit` bytes. */
async function readAtMost(
  response: Response,
  limit: number,
  tooLong: () => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > limit) {
      await response.body?.cancel().catch(() => {});
      throw tooLong();
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
