/**
 * A socket connection (`Deno.Conn`, TCP or unix) as a `Duplex`, with the
 * half-close semantics a forwarded connection needs: the end of the readable
 * side is the peer's FIN, closing the writable side sends ours, and the
 * socket is closed once both directions are done, or at once on an error,
 * a cancel or `close()`.
 *
 * @module
 */
import { type Duplex, releasesChunks, writeAll } from "../../src/driver/stream.ts";

/** Bytes asked for per read. */
const READ_SIZE = 128 * 1024;

/** A connection as a duplex that also knows when its socket is closed. */
export interface ConnDuplex extends Duplex {
  /** Closes the socket now (both directions); idempotent. */
  close(): void;
  /** Resolves once the socket is closed, however that happened. */
  readonly closed: Promise<void>;
}

/**
 * Wraps `conn`. The readable side ends at the peer's EOF and errors on a
 * reset; cancelling it closes the socket. Closing the writable side
 * half-closes the socket; aborting it closes the socket.
 *
 * @example
 * ```ts ignore
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: 22 });
 * const { readable, writable } = connDuplex(conn);
 * ```
 */
export function connDuplex(conn: Deno.Conn): ConnDuplex {
  let readDone = false;
  let writeDone = false;
  let isClosed = false;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => markClosed = resolve);

  const close = () => {
    if (isClosed) return;
    isClosed = true;
    try {
      conn.close();
    } catch {
      // Already closed by the runtime.
    }
    markClosed();
  };
  const settle = () => {
    if (readDone && writeDone) close();
  };

  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffer = new Uint8Array(READ_SIZE);
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch (error) {
        readDone = true;
        const wasClosed = isClosed;
        close();
        if (wasClosed) controller.close();
        else controller.error(error);
        return;
      }
      if (n === null) {
        readDone = true;
        controller.close();
        settle();
        return;
      }
      controller.enqueue(buffer.subarray(0, n));
    },
    cancel() {
      readDone = true;
      close();
    },
  }, { highWaterMark: 0 });

  // Each write settles once the socket took the bytes: a transport may reuse their memory.
  const writable = releasesChunks(
    new WritableStream<Uint8Array>({
      async write(chunk) {
        await writeAll(conn, chunk);
      },
      async close() {
        writeDone = true;
        if (!isClosed) {
          try {
            await conn.closeWrite();
          } catch {
            // The peer is gone already; nothing left to tell it.
          }
        }
        settle();
      },
      abort() {
        writeDone = true;
        close();
      },
    }),
  );

  return { readable, writable, close, closed };
}
