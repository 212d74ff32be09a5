/**
 * MJPEG over HTTP (`multipart/x-mixed-replace`): writing frames as parts and
 * reading the JPEG frames back out of any such stream (ours, ffmpeg's
 * `mpjpeg`, ustreamer's, an IP camera's).
 *
 * @module
 */

/** The boundary between the parts of the streams this project writes. */
export const MJPEG_BOUNDARY = "jumpstarter-frame";
/** The `Content-Type` of the streams this project writes. */
export const MJPEG_CONTENT_TYPE = `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`;
/** The largest frame read from a stream; a longer part fails the stream. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * One part of an MJPEG stream: boundary, headers and the JPEG bytes.
 *
 * @example
 * ```ts
 * import { mjpegPart, readMjpegFrames } from "./mjpeg.ts";
 * import assert from "node:assert/strict";
 *
 * const frame = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
 * const body = new Blob([mjpegPart(frame), mjpegPart(frame)]).stream();
 * assert.deepEqual(await Array.fromAsync(readMjpegFrames(body)), [frame, frame]);
 * ```
 */
export function mjpegPart(jpeg: Uint8Array, type = "image/jpeg"): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(
    `--${MJPEG_BOUNDARY}\r\nContent-Type: ${type}\r\nContent-Length: ${jpeg.length}\r\n\r\n`,
  );
  const part = new Uint8Array(head.length + jpeg.length + 2);
  part.set(head);
  part.set(jpeg, head.length);
  part.set([13, 10], head.length + jpeg.length);
  return part;
}

/** The boundary named by a `Content-Type` header, if any. */
export function boundaryOf(contentType: string | null | undefined): string | undefined {
  const match = contentType?.match(/boundary="?([^";]+)"?/i);
  return match?.[1].replace(/^--/, "");
}

/**
 * Reads the frames (part bodies) of a multipart stream. Without `boundary`
 * the first line starting with `--` names it. Throws on a part longer than
 * `MAX_FRAME_BYTES`.
 */
export async function* readMjpegFrames(
  readable: ReadableStream<Uint8Array>,
  boundary?: string,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const reader = readable.getReader();
  let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  const more = async (): Promise<boolean> => {
    const { value, done } = await reader.read();
    if (done) return false;
    const next = new Uint8Array(buffer.length + value.length);
    next.set(buffer);
    next.set(value, buffer.length);
    buffer = next;
    if (buffer.length > MAX_FRAME_BYTES + 64 * 1024) {
      throw new RangeError(
        `MJPEG stream part exceeds ${MAX_FRAME_BYTES} bytes; is this an MJPEG stream?`,
      );
    }
    return true;
  };
  try {
    while (true) {
      // Find the boundary line and the end of the part's headers.
      let headEnd: number;
      while ((headEnd = indexOf(buffer, CRLFCRLF)) < 0) if (!await more()) return;
      const head = new TextDecoder().decode(buffer.subarray(0, headEnd));
      const lines = head.split("\r\n").map((l) => l.trim()).filter((l) => l !== "");
      const start = lines.findIndex((l) => l.startsWith("--"));
      if (start < 0) throw new TypeError(`Not a multipart stream: got "${head.slice(0, 80)}"`);
      boundary ??= lines[start].slice(2);
      const length = lines.slice(start + 1).map((l) => l.match(/^content-length:\s*(\d+)$/i))
        .find((m) => m)?.[1];
      buffer = buffer.subarray(headEnd + 4);
      let frame: Uint8Array<ArrayBuffer>;
      if (length !== undefined) {
        const n = Number(length);
        if (n > MAX_FRAME_BYTES) {
          throw new RangeError(`MJPEG frame of ${n} bytes exceeds ${MAX_FRAME_BYTES} bytes`);
        }
        while (buffer.length < n) if (!await more()) return;
        frame = buffer.slice(0, n);
        buffer = buffer.subarray(n);
      } else {
        const marker = encoder.encode(`\r\n--${boundary}`);
        let end: number;
        while ((end = indexOf(buffer, marker)) < 0) if (!await more()) return;
        frame = buffer.slice(0, end);
        buffer = buffer.subarray(end + 2);
      }
      yield frame;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

const CRLFCRLF = encoder.encode("\r\n\r\n");

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
