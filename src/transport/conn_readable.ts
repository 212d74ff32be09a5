/**
 * The read side of a `connDuplex`: the socket's bytes as chunks on a
 * `ReadableStream` (views of slabs, or whole messages), or read straight
 * into the consumer's buffers (`directReads`), ending at the peer's end of
 * data once `beforeEnd` agrees.
 *
 * @module
 */
import { type ReadInto, readsInto } from "../driver/reads_into.ts";
import type { ConnLifecycle } from "./conn_lifecycle.ts";
import { readMessageChunk } from "./message_chunks.ts";

/**
 * Reads go into slabs: each chunk is a view of the part of a slab one read
 * filled, so no byte is copied and small reads share a slab. A bulk
 * transfer gets big slabs (fewer, larger allocations cost far less than one
 * per read: measured 25-35 ms of exporter CPU per 64 MiB with 64 KiB
 * buffers, 20 ms with 4 MiB slabs, 17 ms reusing one buffer, which a
 * stream cannot do since the consumer owns each chunk); a trickle (a
 * console) gets small ones, so a chunk kept alive holds little memory.
 */
const BULK_SLAB = 4 * 1024 * 1024;
const SMALL_SLAB = 64 * 1024;
/** A slab with less room than this left is retired. */
const MIN_READ = 16 * 1024;
/** A read at least this large means bulk transfer. */
const BULK_READ = 32 * 1024;
/**
 * Bytes read ahead of the consumer, and accepted ahead of the socket: enough
 * for each side of a pipeline (read a file, hash, send; receive, hash,
 * write a file) to work while the other waits on its I/O, yet bounded.
 */
export const QUEUE_BYTES = 1024 * 1024;
const readAhead = new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES });

/** The readable of the connection `life` wraps (made once, when first asked for). */
export function connReadable(life: ConnLifecycle): ReadableStream<Uint8Array> {
  const { conn, options } = life;
  let slab = new Uint8Array(SMALL_SLAB);
  let used = 0;
  let bulk = false;
  // One way of reading per connection: the stream (`pulled`) or direct reads (`direct`).
  let pulled = false;
  let direct = false;
  /** Rejects when `readable` is cancelled, ending a direct read waiting on the socket. */
  const stopped = Promise.withResolvers<never>();
  let cancelled: { reason: unknown } | undefined;
  stopped.promise.catch(() => {});
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      life.readController = controller;
    },
    async pull(controller) {
      if (direct) {
        controller.error(new TypeError("The connection is already being read directly"));
        return;
      }
      pulled = true;
      let n: number | null;
      let message: Uint8Array | null = null;
      try {
        if (options.messages) {
          message = await readMessageChunk(conn);
          n = message && message.byteLength;
        } else {
          if (slab.byteLength - used < MIN_READ) {
            slab = new Uint8Array(bulk ? BULK_SLAB : SMALL_SLAB);
            used = 0;
          }
          n = await conn.read(slab.subarray(used));
          if (n !== null) bulk = n >= BULK_READ;
        }
      } catch (error) {
        life.reading = false;
        if (life.closed && options.closeEndsReadable) controller.close();
        else controller.error(life.readFailure(error));
        life.settle();
        return;
      }
      if (n === null) {
        try {
          await options.beforeEnd?.();
          controller.close();
        } catch (error) {
          controller.error(error);
        }
        life.reading = false;
        life.settle();
        return;
      }
      if (message) {
        controller.enqueue(message);
        return;
      }
      controller.enqueue(slab.subarray(used, used + n));
      used += n;
    },
    cancel(reason) {
      life.reading = false;
      cancelled = { reason: reason ?? new DOMException("The read was cancelled", "AbortError") };
      stopped.reject(cancelled.reason);
      if (options.onGiveUp) {
        options.onGiveUp();
        life.close();
      } else {
        life.settle();
      }
    },
  }, options.directReads ? { highWaterMark: 0 } : readAhead);
  if (!options.directReads) return stream;
  let readEnd: { error: unknown } | "done" | undefined;
  /** Ends the read side after direct reads, closing or erroring `readable` to match. */
  const endDirect = (end: { error: unknown } | "done") => {
    readEnd = end;
    life.reading = false;
    try {
      if (end === "done") life.readController?.close();
      else life.readController?.error(end.error);
    } catch { /* cancelled already */ }
    life.settle();
  };
  /** A direct read (`directReads`): the socket's bytes straight into `view`. */
  const readInto: ReadInto = async (view) => {
    if (pulled) throw new TypeError("The connection is already being read as a stream");
    direct = true;
    if (readEnd === "done") return null;
    if (readEnd) throw readEnd.error;
    let n: number | null;
    try {
      n = await Promise.race([conn.read(view), stopped.promise]);
    } catch (error) {
      const reason = cancelled ? cancelled.reason : life.readFailure(error);
      endDirect({ error: reason });
      throw reason;
    }
    if (n === null) {
      try {
        await options.beforeEnd?.();
      } catch (error) {
        endDirect({ error });
        throw error;
      }
      endDirect("done");
    }
    return n;
  };
  return readsInto(stream, readInto);
}
