/**
 * Reads the calls connection of the fast channel: splits its byte stream
 * into call frames (layout in `protocol.ts`), reusing one buffer.
 *
 * @module
 */
import type { ByteConn } from "../byte_conn.ts";
import { FRAME_HEADER, MAX_FRAME } from "./protocol.ts";

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
