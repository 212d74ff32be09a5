/**
 * The byte-stream shape shared by drivers, the exporter and the client: a pair
 * of Web streams. Any transport (the gRPC Stream call today, a faster raw
 * channel later) only has to produce and consume this.
 *
 * @module
 */

/**
 * Two directions of bytes. Closing `writable` is a half-close (EOF to the peer).
 *
 * @example
 * ```ts
 * import { type Duplex, duplexPair, readAll } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * async function send(stream: Duplex, text: string): Promise<void> {
 *   const writer = stream.writable.getWriter();
 *   await writer.write(new TextEncoder().encode(text));
 *   await writer.close(); // half-close: the peer reads the end of data
 * }
 * const [a, b] = duplexPair();
 * await send(a, "hello");
 * assert.equal(new TextDecoder().decode(await readAll(b.readable)), "hello");
 * ```
 */
export interface Duplex {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/** Marks a duplex whose chunks are messages (see `messageChunks`). */
export const MESSAGE_CHUNKS: unique symbol = Symbol.for("jumpstarter.messageChunks");

/**
 * Marks `duplex` as carrying messages (UDP datagrams, say): every transport
 * must deliver each chunk whole, as written, in both directions. The gRPC
 * Stream does anyway (one DATA frame per chunk); the fast local channel,
 * whose byte streams are otherwise raw, frames the chunks of such a stream.
 */
export function messageChunks<T extends Duplex>(duplex: T): T {
  Object.defineProperty(duplex, MESSAGE_CHUNKS, { value: true });
  return duplex;
}

/** True when `duplex` was marked with `messageChunks`. */
export function hasMessageChunks(duplex: Duplex): boolean {
  return (duplex as { [MESSAGE_CHUNKS]?: boolean })[MESSAGE_CHUNKS] === true;
}

/** Marks a writable that is done with each chunk once its write settled (see `releasesChunks`). */
export const RELEASES_CHUNKS: unique symbol = Symbol.for("jumpstarter.releasesChunks");

/**
 * Marks `writable` as done with each chunk's bytes once that chunk's write
 * has settled: its sink copies them out (to a file, a socket, a hash) and
 * keeps no reference. A transport may then read the next bytes into the same
 * memory, instead of allocating fresh memory for every read (which costs as
 * much CPU as the copy itself at full speed). Never mark a writable that
 * queues or forwards its chunks (a TransformStream's, say).
 */
export function releasesChunks<T extends WritableStream<Uint8Array>>(writable: T): T {
  Object.defineProperty(writable, RELEASES_CHUNKS, { value: true });
  return writable;
}

/** True when `writable` was marked with `releasesChunks`. */
export function chunksReleased(writable: WritableStream<Uint8Array>): boolean {
  return (writable as { [RELEASES_CHUNKS]?: boolean })[RELEASES_CHUNKS] === true;
}

/** Reads bytes into `view`; resolves with how many, or null at the end of data. */
export type ReadInto = (view: Uint8Array) => Promise<number | null>;

const READ_INTO: unique symbol = Symbol.for("jumpstarter.readInto");

/**
 * Marks `readable` as also readable straight into the caller's memory with
 * `read` (the raw connection or file under it). A consumer that copies the
 * bytes out (to a file, a socket, a hash) can then take turns between two
 * buffers of its own instead of a fresh chunk per read. It uses one way or
 * the other, never both: it takes a reader first (the lock keeps everyone
 * else off the stream), then reads only through `read`; cancelling that
 * reader still ends the stream, and a read waiting on it.
 */
export function readsInto<T extends ReadableStream<Uint8Array>>(readable: T, read: ReadInto): T {
  Object.defineProperty(readable, READ_INTO, { value: read });
  return readable;
}

/** The direct read of a readable marked with `readsInto`, or undefined. */
export function directReads(readable: ReadableStream<Uint8Array>): ReadInto | undefined {
  return (readable as { [READ_INTO]?: ReadInto })[READ_INTO];
}

/**
 * Returns a connected pair: what one end writes, the other end reads.
 *
 * @example
 * ```ts
 * import { Console, duplexPair } from "@jumpstarter/jumpstarter";
 *
 * const [host, device] = duplexPair(); // a fake UART for testing console automation
 * await using serial = new Console(host);
 * const uart = device.writable.getWriter();
 * await uart.write(new TextEncoder().encode("U-Boot 2024.01\r\nHit any key to stop autoboot"));
 * await serial.expect("autoboot");
 * await uart.close();
 * ```
 */
export function duplexPair(highWaterMark = 16): [Duplex, Duplex] {
  const strategy = new CountQueuingStrategy({ highWaterMark });
  const ab = new TransformStream<Uint8Array, Uint8Array>(undefined, strategy, strategy);
  const ba = new TransformStream<Uint8Array, Uint8Array>(undefined, strategy, strategy);
  return [
    { readable: ba.readable, writable: ab.writable },
    { readable: ab.readable, writable: ba.writable },
  ];
}

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

/** Anything written the way Deno files and connections are: `write()` may take part of the bytes. */
export interface ByteWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** Writes all of `bytes` to `writer`, however many writes it takes. */
export async function writeAll(writer: ByteWriter, bytes: Uint8Array): Promise<void> {
  let offset = await writer.write(bytes);
  while (offset < bytes.byteLength) offset += await writer.write(bytes.subarray(offset));
}

/** Joins `parts` (`size`: their total length, when the caller kept count). */
export function concatBytes(
  parts: Uint8Array[],
  size = parts.reduce((sum, part) => sum + part.byteLength, 0),
): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
