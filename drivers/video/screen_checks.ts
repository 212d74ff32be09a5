/**
 * Screen checks: wait until the screen shows some text (OCR) or looks like a
 * reference image (`screenDifference`), grabbing a frame every `interval`
 * until `timeout`. A check that times out fails with `ScreenCheckError`,
 * which carries the last frame and names the file it was saved to.
 *
 * @module
 */
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { screenDifference } from "./compare.ts";
import { checkRegion, crop, decodeImage, type Pixels, type Region } from "./image.ts";
import { type OcrOptions, readText } from "./ocr.ts";

/** Options of every screen check. */
export interface ScreenCheckOptions {
  /** Give up after this many ms (default 30,000). */
  timeout?: number;
  /** Grab a frame this often, in ms (default 500). */
  interval?: number;
  /** Look only at this part of the screen. */
  region?: Region;
  /** Where to save the last frame when the check fails (default: a new temporary file). */
  frameFile?: string;
}

/** Options of `waitForText`. */
export type TextCheckOptions = ScreenCheckOptions & OcrOptions;

/** Options of `waitForImage`. */
export interface ImageCheckOptions extends ScreenCheckOptions {
  /** The largest share of 4x4 blocks that may differ, 0 to 1 (default 0.01). */
  threshold?: number;
}

/** What a passed text check saw. */
export interface TextMatch {
  /** Everything OCR read on the screen (or region). */
  text: string;
  /** The matched text. */
  match: string;
}

/** A screen check that timed out; `frame` is the last frame, saved at `frameFile`. */
export class ScreenCheckError extends DriverTimeoutError {
  constructor(message: string, readonly frame: Uint8Array, readonly frameFile: string) {
    super(message);
    this.name = "ScreenCheckError";
  }
}

/** A source of frames: the driver's snapshot, and a name for messages. */
export interface FrameSource {
  readonly name: string;
  snapshot(): Promise<Uint8Array>;
}

/** Waits until OCR finds `pattern` (a string, matched ignoring runs of spaces, or a RegExp). */
export async function waitForText(
  source: FrameSource,
  pattern: string | RegExp,
  options: TextCheckOptions = {},
): Promise<TextMatch> {
  const regex = typeof pattern === "string" ? spacedPattern(pattern) : pattern;
  let text = "";
  let read: Uint8Array | undefined;
  return await poll(
    source,
    options,
    async (pixels, _whole, frame) => {
      // A screen that has not changed reads the same: OCR only new frames.
      if (!read || !sameBytes(read, frame)) text = await readText(pixels, options);
      read = frame;
      const found = text.match(regex);
      return found ? { text, match: found[0] } : undefined;
    },
    (seconds) =>
      `Screen "${source.name}" did not show ${describe(pattern)} within ${seconds} s; OCR read: ${
        JSON.stringify(text.replace(/\s+/g, " ").trim().slice(-300))
      }`,
  );
}

/** Waits until the screen (or `region`) looks like the reference image. */
export async function waitForImage(
  source: FrameSource,
  reference: Uint8Array,
  referenceName: string,
  options: ImageCheckOptions = {},
): Promise<{ difference: number }> {
  const threshold = options.threshold ?? 0.01;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`Invalid threshold ${threshold}: use a share between 0 and 1`);
  }
  const expected = decodeImage(reference);
  let difference = 1;
  return await poll(
    source,
    options,
    (pixels, whole) => {
      const sameAsScreen = expected.width === whole.width && expected.height === whole.height;
      const wanted = options.region && sameAsScreen ? crop(expected, options.region) : expected;
      difference = screenDifference(pixels, wanted);
      return Promise.resolve(difference <= threshold ? { difference } : undefined);
    },
    (seconds) =>
      `Screen "${source.name}" did not match ${referenceName} within ${seconds} s: ${
        percent(difference)
      } of it differs (threshold ${percent(threshold)})`,
  );
}

async function poll<T>(
  source: FrameSource,
  options: ScreenCheckOptions,
  check: (pixels: Pixels, whole: Pixels, frame: Uint8Array) => Promise<T | undefined>,
  failure: (seconds: number) => string,
): Promise<T> {
  const timeout = options.timeout ?? 30_000;
  const interval = options.interval ?? 500;
  const deadline = performance.now() + timeout;
  let frame: Uint8Array;
  while (true) {
    const started = performance.now();
    frame = await source.snapshot();
    const whole = decodeImage(frame);
    if (options.region) checkRegion(options.region, whole);
    const pixels = options.region ? crop(whole, options.region) : whole;
    const result = await check(pixels, whole, frame);
    if (result !== undefined) return result;
    if (performance.now() >= deadline) break;
    const wait = Math.min(interval - (performance.now() - started), deadline - performance.now());
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const file = options.frameFile ??
    await Deno.makeTempFile({ prefix: `jumpstarter-${source.name}-`, suffix: extension(frame) });
  await Deno.writeFile(file, frame);
  throw new ScreenCheckError(
    `${failure(Math.round(timeout / 100) / 10)}; last frame saved to ${file}`,
    frame,
    file,
  );
}

/** A RegExp matching `text` with any run of whitespace in it matching any run (or none). */
function spacedPattern(text: string): RegExp {
  const words = text.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(words.join("\\s*"));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describe(pattern: string | RegExp): string {
  return typeof pattern === "string" ? JSON.stringify(pattern) : String(pattern);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`;
}

function extension(frame: Uint8Array): string {
  return frame[0] === 0xff ? ".jpg" : ".png";
}
