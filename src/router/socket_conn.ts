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
 * slower, same behaviour.
 *
 * @module
 */
import type { Socket } from "node:net";
import type { ByteConn } from "../transport/byte_conn.ts";

/** The resource ops of Deno's core this module uses. */
interface CoreOps {
  read(rid: number, buffer: Uint8Array): Promise<number>;
  write(rid: number, data: Uint8Array): Promise<number>;
  shutdown(rid: number): Promise<void>;
  tryClose(rid: number): void;
}

const core: CoreOps | undefined = (() => {
  try {
    const internal = (Deno as unknown as Record<symbol, { core?: Partial<CoreOps> }>)[
      (Deno as unknown as { internal: symbol }).internal
    ];
    const ops = internal?.core;
    return ops && typeof ops.read === "function" && typeof ops.write === "function" &&
        typeof ops.shutdown === "function" && typeof ops.tryClose === "function"
      ? ops as CoreOps
      : undefined;
  } catch {
    return undefined;
  }
})();

/** A TCP stream resource read and written with Deno's own ops. */
class ResourceConn implements ByteConn {
  #closed = false;
  constructor(readonly rid: number, readonly ops: CoreOps) {}
  async read(buffer: Uint8Array): Promise<number | null> {
    if (this.#closed) throw new Deno.errors.BadResource("The connection is closed");
    const n = await this.ops.read(this.rid, buffer);
    return n === 0 && buffer.byteLength > 0 ? null : n;
  }
  write(data: Uint8Array): Promise<number> {
    if (this.#closed) {
      return Promise.reject(new Deno.errors.BadResource("The connection is closed"));
    }
    return this.ops.write(this.rid, data);
  }
  closeWrite(): Promise<void> {
    return this.ops.shutdown(this.rid);
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.ops.tryClose(this.rid);
  }
}

interface TakeableHandle {
  readStop(): number;
  takeStream(): unknown;
}

/** Takes the socket's connection as a native resource, or undefined where that is not possible. */
function takeNative(socket: Socket): ByteConn | undefined {
  const handle = (socket as unknown as { _handle?: Partial<TakeableHandle> | null })._handle;
  if (
    !core || socket.readableLength > 0 || !handle || typeof handle.readStop !== "function" ||
    typeof handle.takeStream !== "function" || handle.constructor?.name !== "TCPWrap"
  ) {
    return undefined;
  }
  handle.readStop();
  let rid: unknown;
  try {
    rid = handle.takeStream();
  } catch {
    rid = undefined;
  }
  if (typeof rid !== "number") {
    socket.resume();
    return undefined;
  }
  // The socket no longer owns the connection: destroying it closes nothing.
  (socket as unknown as { _handle: unknown })._handle = null;
  socket.destroy();
  return new ResourceConn(rid, core);
}

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
