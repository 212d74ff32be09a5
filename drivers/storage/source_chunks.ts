/**
 * The chunks of an upload being written to a storage target, read straight
 * into two buffers taking turns when the transport offers direct reads.
 *
 * @module
 */
import { directReads } from "../../src/driver/reads_into.ts";

/** Bytes per direct read of an upload (see `sourceChunks`). */
const DIRECT_READ = 256 * 1024;

/**
 * The chunks of `source`, null at its end: read straight into two buffers
 * taking turns when the transport offers it (`directReads`), else from
 * `reader`. The caller is done with a chunk (its write settled, its hash
 * taken) before asking for the one after next.
 */
export function sourceChunks(
  source: ReadableStream<Uint8Array>,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): () => Promise<Uint8Array | null> {
  const read = directReads(source);
  if (!read) return async () => (await reader.read()).value ?? null;
  const buffers = [new Uint8Array(DIRECT_READ), new Uint8Array(DIRECT_READ)];
  let turn = 0;
  return async () => {
    const buffer = buffers[turn++ % 2];
    const n = await read(buffer);
    return n === null ? null : buffer.subarray(0, n);
  };
}
