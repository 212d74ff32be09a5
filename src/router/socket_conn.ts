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
import { type SocketEnd, watchSocketEnd } from "./socket_end.ts";
import { takeNative } from "./native_conn.ts";
import { FlowingSocketConn, NodeSocketConn } from "./flowing_conn.ts";

/** A node socket read and written through node's streams (the fallback). */
class SocketConn extends NodeSocketConn {
  /** The socket's end, as `watchSocketEnd` records it. */
  readonly #end: SocketEnd = { ended: false, error: undefined };
  #wake: (() => void) | undefined;
  constructor(socket: Socket) {
    super(socket);
    socket.pause();
    const wake = () => {
      const wakeUp = this.#wake;
      this.#wake = undefined;
      wakeUp?.();
    };
    socket.on("readable", wake);
    watchSocketEnd(socket, this.#end, wake);
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
      if (this.#end.ended) return null;
      if (this.#end.error) throw this.#end.error;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}

/**
 * The splice connection behind `socket`, which it takes over: native where
 * possible (`native: false` forces node's streams, for tests). A TLS socket
 * is read in flowing mode: under Deno its paused-mode reads never wake.
 */
export function spliceConn(socket: Socket, native = true): ByteConn & { native: boolean } {
  const taken = native ? takeNative(socket) : undefined;
  const fallback = (socket as { encrypted?: boolean }).encrypted
    ? new FlowingSocketConn(socket)
    : new SocketConn(socket);
  return Object.assign(taken ?? fallback, { native: taken !== undefined });
}
