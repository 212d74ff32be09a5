/**
 * `readsInto`: marks a readable that can also be read straight into the
 * caller's memory (the raw connection or file under it), and `directReads`
 * finds that read again.
 *
 * @module
 */

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
