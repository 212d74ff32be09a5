/**
 * `releasesChunks`: marks a writable that is done with each chunk's bytes
 * once that chunk's write settled, so a transport may reuse its read buffers.
 *
 * @module
 */

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
