/**
 * How a `messageChunks` stream travels on a byte connection: each chunk as a
 * u32 length and its bytes, so it arrives whole.
 *
 * @module
 */
import { type ByteConn, readExactly } from "./byte_conn.ts";
import { MAX_FRAME } from "./fast/protocol.ts";

/** Reads one length-prefixed message; null at a clean end between messages. */
export async function readMessageChunk(conn: ByteConn): Promise<Uint8Array | null> {
  const length = new Uint8Array(4);
  if (!await readExactly(conn, length)) return null;
  const size = new DataView(length.buffer).getUint32(0);
  if (size > MAX_FRAME) throw new RangeError(`Message chunk of ${size} bytes is too large`);
  const chunk = new Uint8Array(size);
  if (size > 0 && !await readExactly(conn, chunk)) {
    throw new Deno.errors.UnexpectedEof("The peer closed the connection mid-message");
  }
  return chunk;
}

/** A chunk with its u32 length in front. */
export function messageFrame(chunk: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + chunk.byteLength);
  new DataView(frame.buffer).setUint32(0, chunk.byteLength);
  frame.set(chunk, 4);
  return frame;
}
