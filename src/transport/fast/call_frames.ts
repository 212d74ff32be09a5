/**
 * Call frames of the fast channel's calls connection (see `protocol.ts`):
 * encoding, a reader that splits the byte stream into frames, and a writer
 * that coalesces the frames queued in one tick into one socket write.
 *
 * @module
 */
import { concatBytes, writeAll } from "../../driver/stream.ts";
import { FRAME_HEADER, MAX_FRAME } from "./protocol.ts";
import type { ByteConn } from "../byte_conn.ts";

const encoder = new TextEncoder();

/** A frame with a UTF-8 text payload (JSON or a uuid). */
export function textFrame(id: number, type: number, text: string): Uint8Array {
  // Room for the worst case of UTF-8 (3 bytes per UTF-16 unit); trimmed by subarray.
  const frame = new Uint8Array(FRAME_HEADER + text.length * 3);
  const { written } = encoder.encodeInto(text, frame.subarray(FRAME_HEADER));
  const view = new DataView(frame.buffer);
  view.setUint32(0, 5 + written);
  view.setUint32(4, id);
  frame[8] = type;
  return frame.subarray(0, FRAME_HEADER + written);
}

/** A frame with no payload, or a u32 payload. */
export function numberFrame(id: number, type: number, value?: number): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER + (value === undefined ? 0 : 4));
  const view = new DataView(frame.buffer);
  view.setUint32(0, frame.byteLength - 4);
  view.setUint32(4, id);
  frame[8] = type;
  if (value !== undefined) view.setUint32(FRAME_HEADER, value);
  return frame;
}

/** Reads the u32 payload of a CREDIT frame. */
export function u32(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}

/** Called for each frame; `payload` is only valid during the call. */
export type FrameHandler = (id: number, type: number, payload: Uint8Array) => void;

/**
 * Reads frames from `conn` until it ends, calling `onFrame` for each.
 * Resolves at a clean end; rejects on a read error or a malformed frame.
 */
export async function readFrames(conn: ByteConn, onFrame: FrameHandler): Promise<void> {
  let buffer = new Uint8Array(64 * 1024);
  let view = new DataView(buffer.buffer);
  let start = 0;
  let end = 0;
  while (true) {
    if (end === buffer.byteLength) {
      // Full: move the partial frame to the front, or grow for a large one.
      const pending = end - start;
      const need = pending >= 4 ? view.getUint32(start) + 4 : 0;
      const target = need > buffer.byteLength ? Math.max(need, buffer.byteLength * 2) : 0;
      if (target > 0) {
        const grown = new Uint8Array(target);
        grown.set(buffer.subarray(start, end));
        buffer = grown;
        view = new DataView(buffer.buffer);
      } else {
        buffer.copyWithin(0, start, end);
      }
      start = 0;
      end = pending;
    }
    const n = await conn.read(buffer.subarray(end));
    if (n === null) {
      if (end > start) {
        throw new Deno.errors.UnexpectedEof("The peer closed the calls connection mid-frame");
      }
      return;
    }
    end += n;
    while (end - start >= 4) {
      const length = view.getUint32(start);
      if (length < 5 || length > MAX_FRAME) {
        throw new RangeError(`Malformed fast-channel frame (length ${length})`);
      }
      if (end - start < 4 + length) break;
      onFrame(
        view.getUint32(start + 4),
        buffer[start + 8],
        buffer.subarray(start + FRAME_HEADER, start + 4 + length),
      );
      start += 4 + length;
    }
    if (start === end) start = end = 0;
  }
}

/**
 * Queues frames and writes them in order. Frames queued in the same tick
 * (16 concurrent calls, say) leave in one write; while a write is in flight
 * the next batch gathers. After a write error every frame is dropped and
 * `onError` runs once.
 */
export class FrameWriter {
  #queue: Uint8Array[] = [];
  #size = 0;
  #scheduled = false;
  #failed = false;

  constructor(readonly conn: ByteConn, readonly onError: (error: unknown) => void) {}

  send(frame: Uint8Array): void {
    if (this.#failed) return;
    this.#queue.push(frame);
    this.#size += frame.byteLength;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.length === 1
          ? this.#queue[0]
          : concatBytes(this.#queue, this.#size);
        this.#queue = [];
        this.#size = 0;
        await writeAll(this.conn, batch);
      }
    } catch (error) {
      this.#failed = true;
      this.#queue = [];
      this.onError(error);
    } finally {
      this.#scheduled = false;
    }
  }
}
