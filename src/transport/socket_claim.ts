/**
 * Claiming a unix socket path before listening on it: a live socket (another
 * exporter serves there) or a file that is not a socket is refused; a stale
 * socket left by a process that died is removed.
 *
 * @module
 */
import * as net from "node:net";

/** Thrown when a unix socket path cannot be used. */
export class SocketInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SocketInUseError";
  }
}

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Refuses a live socket or a non-socket file at `path`; removes a stale socket. */
export async function claimSocketPath(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isSocket) {
    throw new SocketInUseError(
      `Cannot listen on "${path}": a file that is not a socket is there; choose another --socket path`,
    );
  }
  if (await probe(path)) {
    throw new SocketInUseError(
      `Cannot listen on "${path}": another exporter is serving there; stop it or choose another --socket path`,
    );
  }
  await Deno.remove(path);
}
