/**
 * A unix socket RPC server whose HTTP/2 and Connect stack loads on the first
 * connection. A local exporter's own clients talk over its fast channel and
 * never open this socket, so `jumpstarter shell` does not pay for loading
 * `node:http2`, connect-node and the generated protobuf code (~50 ms of
 * CPU) before its command can start; a gRPC client (grpcio, `JMP_FAST_PATH=off`)
 * waits that long once. The socket listens at once: its connections queue
 * until the stack is there.
 *
 * @module
 */
import * as net from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { claimSocketPath } from "./socket_claim.ts";
import type { ConnectionServer, FastRoutes, RpcServer } from "./server.ts";

/** Serves the routes `load` gives on a unix socket (mode 0600), loading them at the first connection. */
export async function serveUnixOnDemand(
  path: string,
  load: () => Promise<{ routes: (router: ConnectRouter) => void; fast?: FastRoutes }>,
): Promise<RpcServer> {
  await claimSocketPath(path);
  let backend: Promise<ConnectionServer> | undefined;
  const start = async () => {
    const [{ connectionServer }, loaded] = await Promise.all([import("./server.ts"), load()]);
    return connectionServer(loaded.routes, loaded.fast);
  };
  const listener = net.createServer((socket) => {
    // A peer that vanishes must not take the server down with it.
    socket.on("error", () => {});
    backend ??= start();
    backend.then((server) => server.accept(socket), () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(path, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  await Deno.chmod(path, 0o600);
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
      const server = await backend?.catch(() => undefined);
      await Promise.all([stopped, server?.close()]);
      await Deno.remove(path).catch(() => {});
    })();
  return { address: `unix://${path}`, close, [Symbol.asyncDispose]: close };
}
