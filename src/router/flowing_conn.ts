/**
 * A node socket as a `ByteConn`, read in flowing mode: chunks queue as they
 * arrive and reading stops while more than a window is queued (the
 * backpressure). Used for TLS sockets, whose reading under Deno's node:tls
 * has one trap: Deno 2.9.6's TLS handle (`TLSWrap`) drops the peer's end of
 * data when it arrives while that handle's reading is stopped (by
 * `pause()` or by its own `readStop()`), so a half-closed splice never
 * ends. Reading is therefore stopped and started on the TCP handle under
 * it: no ciphertext comes in while stopped, and the end of data arrives
 * once reading starts again, with the TLS handle reading. A socket without
 * such a handle is stopped on its own handle, or paused.
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

  /** The TCP handle under Deno's TLS handle where there is one, else the socket's own handle. */
  #handle(): { readStop(): unknown; readStart(): unknown } | undefined {
    const own = (this.socket as unknown as { _handle?: Record<string, unknown> | null })._handle;
    const tcp = own?._nativeTcpHandle as Record<string, unknown> | undefined;
    for (const handle of [tcp, own]) {
      if (typeof handle?.readStop === "function" && typeof handle?.readStart === "function") {
        return handle as { readStop(): unknown; readStart(): unknown };
      }
    }
    return undefined;
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
      if (this.#queue.length > 0) {
        // As many queued chunks as fit (TLS gives them a record, 16 KiB, at a time).
        let n = 0;
        while (n < buffer.byteLength && this.#queue.length > 0) {
          const chunk = this.#queue[0];
          const take = Math.min(chunk.byteLength, buffer.byteLength - n);
          buffer.set(chunk.subarray(0, take), n);
          if (take < chunk.byteLength) this.#queue[0] = chunk.subarray(take);
          else this.#queue.shift();
          n += take;
        }
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
