/**
 * A node socket as a `ByteConn`, read in flowing mode: chunks queue as they
 * arrive and reading stops while more than a window is queued (the
 * backpressure). Used for TLS sockets: under Deno's node:tls a socket that
 * was paused never reports its end of data, so reading is stopped and
 * started on its handle instead, where the handle allows it. Known gap: under
 * Deno 2.9.6 a socket whose reading was stopped that way may still never
 * report its end of data, which is why the router offers raw splices over
 * TLS only when asked to (`JMP_ROUTER_TLS_SPLICE=on`, see port_server.ts).
 *
 * @module
 */
import type { Socket } from "node:net";
import type { ByteConn } from "../transport/byte_conn.ts";
import { type SocketEnd, watchSocketEnd } from "./socket_end.ts";

/** Queued bytes past which the socket pauses. */
const WINDOW = 8 << 20;

/** Writing, half-closing and closing a node socket, whichever way it is read. */
export abstract class NodeSocketConn implements ByteConn {
  constructor(readonly socket: Socket) {}

  abstract read(buffer: Uint8Array): Promise<number | null>;

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

/** A node socket read through its `data` events. */
export class FlowingSocketConn extends NodeSocketConn {
  #queue: Uint8Array[] = [];
  #queued = 0;
  /** The socket's end, as `watchSocketEnd` records it. */
  readonly #end: SocketEnd = { ended: false, error: undefined };
  #wake: (() => void) | undefined;
  #stopped = false;

  #handle(): { readStop(): unknown; readStart(): unknown } | undefined {
    const handle = (this.socket as unknown as { _handle?: Record<string, unknown> })._handle;
    return typeof handle?.readStop === "function" && typeof handle?.readStart === "function"
      ? handle as { readStop(): unknown; readStart(): unknown }
      : undefined;
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const handle = this.#handle();
    if (handle) handle.readStop();
    else this.socket.pause();
  }

  #start(): void {
    this.#stopped = false;
    const handle = this.#handle();
    if (handle) handle.readStart();
    else this.socket.resume();
  }

  constructor(socket: Socket) {
    super(socket);
    const wake = () => {
      const wakeUp = this.#wake;
      this.#wake = undefined;
      wakeUp?.();
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#queue.push(chunk);
      this.#queued += chunk.byteLength;
      if (this.#queued > WINDOW) this.#stop();
      wake();
    });
    watchSocketEnd(socket, this.#end, wake);
    socket.resume();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (true) {
      const chunk = this.#queue[0];
      if (chunk) {
        const n = Math.min(chunk.byteLength, buffer.byteLength);
        buffer.set(chunk.subarray(0, n));
        if (n < chunk.byteLength) this.#queue[0] = chunk.subarray(n);
        else this.#queue.shift();
        this.#queued -= n;
        if (this.#queued <= WINDOW / 2 && this.#stopped) this.#start();
        return n;
      }
      if (this.#end.ended) return null;
      if (this.#end.error) throw this.#end.error;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}
