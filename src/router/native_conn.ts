/**
 * A router splice connection taken out of node's hands: the TCP stream
 * resource behind a node socket, read and written with Deno's own ops (as
 * Deno's node:http WebSocket upgrade takes its connection), where this
 * Deno's internals allow it.
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
export function takeNative(socket: Socket): ByteConn | undefined {
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
