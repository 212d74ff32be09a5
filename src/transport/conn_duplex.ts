/**
 * A socket connection as the project's `Duplex`: reads become chunks on
 * `readable`, chunks written to `writable` go to the socket, closing
 * `writable` shuts down the write side only (a half-close: end of data for
 * the peer), and the socket closes once both directions have ended. The
 * socket buffers are the backpressure: nothing is read ahead beyond one
 * chunk, and a write resolves when the kernel took the bytes.
 *
 * The parts: `conn_duplex_options.ts` (the hooks), `conn_lifecycle.ts`
 * (the state both directions share), `conn_readable.ts`, `conn_writable.ts`
 * and `conn_pumps.ts`.
 *
 * @module
 */
import type { Duplex } from "../driver/stream.ts";
import type { ReadInto } from "../driver/reads_into.ts";
import type { ByteConn } from "./byte_conn.ts";
import type { ConnDuplexOptions } from "./conn_duplex_options.ts";
import { ConnLifecycle } from "./conn_lifecycle.ts";
import { pumpFrom, pumpTo } from "./conn_pumps.ts";
import { connReadable } from "./conn_readable.ts";
import { connWritable } from "./conn_writable.ts";

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
  const life = new ConnLifecycle(conn, options);
  const side = connWritable(life);
  let readable: ReadableStream<Uint8Array> | undefined;
  let pumping = false;
  return {
    get readable() {
      if (pumping) throw new TypeError("The connection is being pumped");
      return readable ??= connReadable(life);
    },
    writable: side.writable,
    close: life.close,
    closed: life.socketClosed.promise,
    pumpTo: (target) => {
      if (readable || pumping) {
        return Promise.reject(new TypeError("The connection is already being read"));
      }
      pumping = true;
      return pumpTo(life, target);
    },
    pumpFrom: (read: ReadInto) => pumpFrom(side, read),
  };
}
