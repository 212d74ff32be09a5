/**
 * How a router splice connection learns that its node socket ended: the
 * peer's end of data, a close without one (an interruption) or an error,
 * each waking the reader that waits.
 *
 * @module
 */
import type { Socket } from "node:net";

/** What a connection records of its socket's end. */
export interface SocketEnd {
  ended: boolean;
  error: Error | undefined;
}

/** Records `socket`'s end in `state` and calls `wake` on each of end, close and error. */
export function watchSocketEnd(socket: Socket, state: SocketEnd, wake: () => void): void {
  socket.once("end", () => {
    state.ended = true;
    wake();
  });
  socket.once("close", () => {
    state.error ??= new Deno.errors.Interrupted("The connection was closed");
    wake();
  });
  socket.on("error", (error) => {
    state.error = error;
    wake();
  });
}
