/**
 * A router splice connection as a `ByteConn`. The controller accepts every
 * connection with node:net (one port for h2c, HTTP/1.1 and raw splices),
 * but node's stream machinery costs about as much CPU per byte again as
 * the copy itself (measured: a 64 MiB push through a node `pipe()` proxy
 * took ~60 ms of CPU, through a native Deno read/write loop ~40 ms). So a
 * splice connection is taken out of node's hands once its request line is
 * read, the way Deno's own node:http WebSocket upgrade does it (stop the
 * handle reading, take its stream resource), and then read and written
 * natively. Where that is not possible (TLS, bytes already buffered by
 * node, a Deno without those internals) the node socket is wrapped instead:
 * slower, same behaviour. Taking it natively is `native_conn.ts`.
 *
 * @module
 */
import type { Socket } from "node:net";
import type { ByteConn } from "../transport/byte_conn.ts";
import { takeNative } from "./native_conn.ts";

/** A node socket read and written through node's streams (the fallback). */
class SocketConn implements ByteConn {
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  constructor(readonly socket: Socket) {
    socket.pause();
    const wake = () => {
      const wakeUp = this.#wake;
      this.#wake = undefined;
      wakeUp?.();
    };
    socket.on("readable", wake);
    socket.once("end", () => {
      this.#ended = true;
      wake();
    });
    socket.once("close", () => {
      this.#error ??= new Deno.errors.Interrupted("The connection was closed");
      wake();
    });
    socket.on("error", (error) => {
      this.#error = error;
      wake();
    });
  }
  async read(buffer: Uint8Array): Promise<number | null> {
    while (true) {
      const chunk = this.socket.read() as Uint8Array | null;
      if (chunk) {
        const n = Math.min(chunk.byteLength, buffer.byteLength);
        buffer.set(chunk.subarray(0, n));
        if (n < chunk.byteLength) this.socket.unshift(chunk.subarray(n));
        return n;
      }
      if (this.#ended) return null;
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
  write(data: Uint8Array): Promise<number> {
    // Resolves once node is done with `data`, so the caller may reuse it.
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => error ? reject(error) : resolve(data.byteLength));
    });
  }
  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.socket.end(() => resolve()));
  }
  close(): void {
    this.socket.destroy();
  }
}

/**
 * The splice connection behind `socket`, which it takes over: native where
 * possible (`native: false` forces node's streams, for tests).
 */
export function spliceConn(socket: Socket, native = true): ByteConn & { native: boolean } {
  const taken = native ? takeNative(socket) : undefined;
  return Object.assign(taken ?? new SocketConn(socket), { native: taken !== undefined });
}
