/**
 * A socket connection as the project's `Duplex`: reads become chunks on
 * `readable`, chunks written to `writable` go to the socket, closing
 * `writable` shuts down the write side only (a half-close: end of data for
 * the peer), and the socket closes once both directions have ended. The
 * socket buffers are the backpressure: nothing is read ahead beyond one
 * chunk, and a write resolves when the kernel took the bytes.
 *
 * @module
 */
import { type Duplex, type ReadInto, readsInto, writeAll } from "../driver/stream.ts";
import { MAX_FRAME } from "./fast/protocol.ts";
import { type ByteConn, closeQuietly, readExactly } from "./byte_conn.ts";

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
const QUEUE_BYTES = 1024 * 1024;
const readAhead = new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES });
const writeBehind = new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES });

/** Hooks of `connDuplex`. */
export interface ConnDuplexOptions {
  /**
   * Runs at the peer's end of data, before `readable` closes; if it rejects,
   * `readable` errors with its reason instead (an upload the peer did not
   * confirm).
   */
  beforeEnd?: () => Promise<void>;
  /** Called with each chunk's size as it is written (upload progress). */
  onWrite?: (bytes: number) => void;
  /** What a read or write error becomes (e.g. an UnavailableError naming the peer). */
  mapError?: (error: unknown) => unknown;
  /**
   * Cancelling `readable` or aborting `writable` gives the whole connection
   * up: this runs, then the socket closes (the client side, as a gRPC call
   * is cancelled as a whole). Without it a cancel only ends the read side.
   */
  onGiveUp?: () => void;
  /** Runs as `writable` closes, just before the half-close (the client's DONE). */
  beforeHalfClose?: () => void;
  /** Runs once when the socket is closed. */
  onClose?: () => void;
  /**
   * `close()` ends a `readable` still open as a clean end of data instead of
   * an error (a driver closing its own connections: its clients see the
   * stream end).
   */
  closeEndsReadable?: boolean;
  /**
   * Each chunk travels whole, as a u32 length and its bytes (a
   * `messageChunks` stream). Empty chunks are not sent, as on gRPC.
   */
  messages?: boolean;
  /**
   * `readable` reads nothing ahead and is marked `readsInto`: a consumer
   * that copies an upload out (to a file, a hash) reads the socket straight
   * into buffers of its own (see `directReads`).
   */
  directReads?: boolean;
}

/** Reads one length-prefixed message; null at a clean end between messages. */
async function readMessageChunk(conn: ByteConn): Promise<Uint8Array | null> {
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
function messageFrame(chunk: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + chunk.byteLength);
  new DataView(frame.buffer).setUint32(0, chunk.byteLength);
  frame.set(chunk, 4);
  return frame;
}

/**
 * What `pumpTo` reads into: buffers of this size, reused once the writable
 * released them; a few are kept (the writable's queue bounds how many are
 * out at once). `pumpFrom` takes turns between two of them.
 */
const POOL_BUFFER = 256 * 1024;
const POOL_KEEP = 8;

/**
 * For a forwarded connection: cancelling `readable` or aborting `writable`
 * closes the whole socket, as one side of a bridge giving up, and closing
 * it ends `readable` cleanly.
 */
export const GIVE_UP_WHOLE: ConnDuplexOptions = Object.freeze({
  onGiveUp: () => {},
  closeEndsReadable: true,
});

/** A socket as a duplex (see `connDuplex`). */
export interface ConnDuplex extends Duplex {
  /** Closes the socket at once, whatever the state of each direction. */
  close(): void;
  /** Resolves once the socket is closed, however that happened. */
  readonly closed: Promise<void>;
  /**
   * Instead of reading `readable` (never both): writes what arrives into
   * `writable`, which must release each chunk once its write settled
   * (`releasesChunks`), reusing the read buffers. Ends like
   * `readable.pipeTo(writable)`: closes it at the peer's end of data, aborts
   * it if the connection fails, and stops reading if it fails.
   */
  pumpTo(writable: WritableStream<Uint8Array>): Promise<void>;
  /**
   * Instead of writing to `writable` (never both): sends what `read` puts
   * into two buffers taking turns, one write in flight while the next read
   * runs. Ends like `source.pipeTo(writable)`: half-closes at the end of
   * `read`'s data, gives the connection up if `read` fails, and rejects with
   * the write's error if the connection fails.
   */
  pumpFrom(read: ReadInto): Promise<void>;
}

/** Wraps `conn`; the returned duplex owns it. */
export function connDuplex(conn: ByteConn, options: ConnDuplexOptions = {}): ConnDuplex {
  let reading = true;
  let writing = true;
  let closed = false;
  const mapError = options.mapError ?? ((error: unknown) => error);
  let readController: ReadableStreamDefaultController<Uint8Array> | undefined;
  let writeController: WritableStreamDefaultController | undefined;
  const socketClosed = Promise.withResolvers<void>();
  const close = () => {
    if (closed) return;
    closed = true;
    socketClosed.resolve();
    const wasReading = reading;
    const wasWriting = writing;
    reading = writing = false;
    closeQuietly(conn);
    // A direction still open ends now, so a pipe notices without waiting for data.
    const reason = mapError(new Deno.errors.Interrupted("The connection was closed"));
    if (wasReading && options.closeEndsReadable) readController?.close();
    else if (wasReading) readController?.error(reason);
    if (wasWriting) writeController?.error(reason);
    options.onClose?.();
  };
  const settle = () => {
    if (!reading && !writing) close();
  };
  /** What a failed read becomes: closed under it (by us or the session), or its own error. */
  const readFailure = (error: unknown) =>
    mapError(closed ? new Deno.errors.Interrupted("The connection was closed") : error);
  let slab = new Uint8Array(SMALL_SLAB);
  let used = 0;
  let bulk = false;
  // Made on first use: a stream starts reading ahead as soon as it exists.
  const makeStream = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        readController = controller;
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
          reading = false;
          if (closed && options.closeEndsReadable) controller.close();
          else controller.error(readFailure(error));
          settle();
          return;
        }
        if (n === null) {
          try {
            await options.beforeEnd?.();
            controller.close();
          } catch (error) {
            controller.error(error);
          }
          reading = false;
          settle();
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
        reading = false;
        cancelled = { reason: reason ?? new DOMException("The read was cancelled", "AbortError") };
        stopped.reject(cancelled.reason);
        if (options.onGiveUp) {
          options.onGiveUp();
          close();
        } else {
          settle();
        }
      },
    }, options.directReads ? { highWaterMark: 0 } : readAhead);
  // One way of reading per connection: the stream (`pulled`) or direct reads (`direct`).
  let pulled = false;
  let direct = false;
  /** Rejects when `readable` is cancelled, ending a direct read waiting on the socket. */
  const stopped = Promise.withResolvers<never>();
  let cancelled: { reason: unknown } | undefined;
  stopped.promise.catch(() => {});
  let readEnd: { error: unknown } | "done" | undefined;
  /** Ends the read side after direct reads, closing or erroring `readable` to match. */
  const endDirect = (end: { error: unknown } | "done") => {
    readEnd = end;
    reading = false;
    try {
      if (end === "done") readController?.close();
      else readController?.error(end.error);
    } catch { /* cancelled already */ }
    settle();
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
      const reason = cancelled ? cancelled.reason : readFailure(error);
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
  const makeReadable = () => options.directReads ? readsInto(makeStream(), readInto) : makeStream();
  let readable: ReadableStream<Uint8Array> | undefined;
  let pumping = false;
  const pumpTo = async (target: WritableStream<Uint8Array>): Promise<void> => {
    if (readable || pumping) throw new TypeError("The connection is already being read");
    pumping = true;
    const writer = target.getWriter();
    const pool: Uint8Array[] = [];
    let failed: unknown;
    const release = (buffer: Uint8Array) => () => {
      if (pool.length < POOL_KEEP) pool.push(buffer);
    };
    const fail = (error: unknown) => void (failed ??= error);
    try {
      while (true) {
        await writer.ready;
        const buffer = pool.pop() ?? new Uint8Array(POOL_BUFFER);
        let n: number | null;
        try {
          n = await conn.read(buffer);
        } catch (error) {
          reading = false;
          const reason = readFailure(error);
          await writer.abort(reason).catch(() => {});
          settle();
          throw reason;
        }
        if (n === null) {
          reading = false;
          try {
            await options.beforeEnd?.();
          } catch (error) {
            await writer.abort(error).catch(() => {});
            settle();
            throw error;
          }
          await writer.close();
          settle();
          return;
        }
        if (failed !== undefined) throw failed;
        writer.write(buffer.subarray(0, n)).then(release(buffer), fail);
      }
    } catch (error) {
      // The writable failed (or the read did, handled above): stop reading, as a pipe cancels.
      if (reading) {
        reading = false;
        settle();
      }
      throw error;
    } finally {
      writer.releaseLock();
    }
  };
  /** The write side, for `writable` and `pumpFrom`. */
  const send = async (input: Uint8Array) => {
    if (input.byteLength === 0) return;
    const chunk = options.messages ? messageFrame(input) : input;
    try {
      await writeAll(conn, chunk);
    } catch (error) {
      writing = false;
      settle();
      throw mapError(error);
    }
    options.onWrite?.(input.byteLength);
  };
  const halfClose = async () => {
    options.beforeHalfClose?.();
    if (!closed) {
      try {
        await conn.closeWrite();
      } catch { /* the peer is gone: nothing left to tell it */ }
    }
    writing = false;
    settle();
  };
  const giveUp = () => {
    options.onGiveUp?.();
    close();
  };
  const writable = new WritableStream<Uint8Array>({
    start(controller) {
      writeController = controller;
    },
    write: send,
    close: halfClose,
    abort: giveUp,
  }, writeBehind);
  const pumpFrom = async (read: ReadInto): Promise<void> => {
    if (writable.locked) throw new TypeError("The connection is already being written");
    // Locked for good: nothing else may write between the pump's chunks.
    writable.getWriter();
    const buffers = [new Uint8Array(POOL_BUFFER), new Uint8Array(POOL_BUFFER)];
    let sending: Promise<void> = Promise.resolve();
    for (let turn = 0;; turn++) {
      let n: number | null;
      try {
        n = await read(buffers[turn % 2]);
      } catch (error) {
        await sending.catch(() => {});
        giveUp();
        throw error;
      }
      // The other buffer is free once its write is done; a failed write ends the pump.
      await sending;
      if (n === null) break;
      sending = send(buffers[turn % 2].subarray(0, n));
      sending.catch(() => {});
    }
    await halfClose();
  };
  return {
    get readable() {
      if (pumping) throw new TypeError("The connection is being pumped");
      return readable ??= makeReadable();
    },
    writable,
    close,
    closed: socketClosed.promise,
    pumpTo,
    pumpFrom,
  };
}
