/**
 * The exporter side of the fast local channel (protocol in
 * `src/transport/fast/protocol.ts`, client side in
 * `src/transport/fast/client.ts`): a unix socket beside the gRPC one,
 * dispatching through the exporter (`../dispatch.ts`) exactly as the gRPC
 * service does. Each accepted connection is served by `connection.ts`.
 *
 * @module
 */
import { type ByteConn, closeQuietly } from "../../transport/byte_conn.ts";
import type { Exporter } from "../exporter.ts";
import { type FastOptions, serveConnection, type Served } from "./connection.ts";
import type { Session } from "./session.ts";
import type { FastStats } from "./stats.ts";

/** A listening fast channel. */
export interface FastServer extends AsyncDisposable {
  readonly path: string;
  readonly stats: FastStats;
  /**
   * Serves a connection that arrived another way (a router splice to a
   * distributed exporter), exactly as one accepted on the socket; resolves
   * once it is closed.
   */
  serve(conn: ByteConn): Promise<void>;
  /** Stops listening, closes every connection, removes the socket. */
  close(): Promise<void>;
}

/** Listens on `path` (a unix socket created mode 0600) for fast-channel clients of `exporter`. */
export async function serveFast(
  path: string,
  exporter: Exporter,
  options: FastOptions,
): Promise<FastServer> {
  const listener = Deno.listen({ transport: "unix", path });
  try {
    await Deno.chmod(path, 0o600);
  } catch (error) {
    listener.close();
    throw error;
  }
  const stats: FastStats = { sessions: 0, calls: 0, streams: 0 };
  const sessions = new Map<string, Session>();
  const conns = new Set<ByteConn>();
  const tasks = new Set<Promise<void>>();
  const served: Served = { exporter, options, stats, sessions, conns };

  let closed = false;
  const accept = (conn: ByteConn): Promise<void> => {
    if (closed) {
      closeQuietly(conn);
      return Promise.resolve();
    }
    const task = serveConnection(conn, served);
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
    return task;
  };
  const accepting = (async () => {
    for await (const conn of listener) void accept(conn);
  })().catch(() => {});

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      closed = true;
      try {
        listener.close();
      } catch { /* closed */ }
      await accepting;
      // Sessions first: they close their streams through both directions, so a
      // driver that never produces data still sees its stream end.
      for (const session of sessions.values()) session.end();
      for (const conn of conns) closeQuietly(conn);
      await Promise.allSettled([...tasks]);
      await Deno.remove(path).catch(() => {});
    })();
  return { path, stats, serve: accept, close, [Symbol.asyncDispose]: close };
}
