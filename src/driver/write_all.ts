/**
 * `writeAll`: writes all of some bytes to a Deno-style writer, however many
 * writes it takes.
 *
 * @module
 */

/** Anything written the way Deno files and connections are: `write()` may take part of the bytes. */
export interface ByteWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** Writes all of `bytes` to `writer`, however many writes it takes. */
export async function writeAll(writer: ByteWriter, bytes: Uint8Array): Promise<void> {
  let offset = await writer.write(bytes);
  while (offset < bytes.byteLength) offset += await writer.write(bytes.subarray(offset));
}
