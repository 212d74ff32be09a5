/**
 * The byte-stream shape shared by drivers, the exporter and the client: a pair
 * of Web streams. Any transport (the gRPC Stream call today, a faster raw
 * channel later) only has to produce and consume this.
 *
 * @module
 */

/** Two directions of bytes. Closing `writable` is a half-close (EOF to the peer). */
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

/** Returns a connected pair: what one end writes, the other end reads. */
export function duplexPair(highWaterMark = 16): [Duplex, Duplex] {
  const strategy = new CountQueuingStrategy({ highWaterMark });
  const ab = new TransformStream<Uint8Array, Uint8Array>(undefined, strategy, strategy);
  const ba = new TransformStream<Uint8Array, Uint8Array>(undefined, strategy, strategy);
  return [
    { readable: ba.readable, writable: ab.writable },
    { readable: ab.readable, writable: ba.writable },
  ];
}

/** Reads a stream to the end and joins the chunks. */
export async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of readable) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
