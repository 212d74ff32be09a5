/**
 * Call frames of the fast channel's calls connection (layout in
 * `protocol.ts`): encoding a frame, and reading a CREDIT frame's number.
 * `frame_reader.ts` splits a connection's bytes into frames and
 * `frame_writer.ts` sends them.
 *
 * @module
 */
import { DriverError } from "../../driver/driver_error.ts";
import { FRAME_HEADER, MAX_FRAME } from "./protocol.ts";

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

/**
 * `textFrame`, refused with RESOURCE_EXHAUSTED (naming `what`) when it is over
 * the channel's frame limit: the peer would drop the whole connection, and
 * every call on it, for one frame too large.
 */
export function boundedTextFrame(id: number, type: number, text: string, what: string): Uint8Array {
  const frame = textFrame(id, type, text);
  const size = frame.byteLength - 4;
  if (size > MAX_FRAME) {
    throw new DriverError(
      "resource_exhausted",
      `${what} is ${size} bytes, over the fast channel's limit of ${MAX_FRAME} bytes (16 MiB)`,
    );
  }
  return frame;
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
