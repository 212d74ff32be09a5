/**
 * `readAll`: reads a byte stream to the end and joins the chunks.
 *
 * @module
 */
import { concatBytes } from "./concat_bytes.ts";

/**
 * Reads a stream to the end and joins the chunks.
 *
 * @example
 * ```ts
 * import { readAll } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const bytes = await readAll(ReadableStream.from([Uint8Array.of(1, 2), Uint8Array.of(3)]));
 * assert.deepEqual(bytes, Uint8Array.of(1, 2, 3));
 * ```
 */
export async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of readable) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return concatBytes(chunks, size);
}
