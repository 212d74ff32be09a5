/**
 * An HTTP/2 server (gRPC, gRPC-Web and Connect on one listener) for Connect
 * routes, on a unix socket (mode 0600) or a TCP address.
 *
 * @module
 */
import * as http2 from "node:http2";
import type * as net from "node:net";
import type { ConnectRouter, ContextValues, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { claimSocketPath } from "./socket_claim.ts";
import { widenConnectionWindow, windowSettings } from "./http2_windows.ts";
import { isPlainGrpc } from "./grpc_wire.ts";

/** A listening server. */
export interface RpcServer extends AsyncDisposable {
  /** `unix:///path` or `http://host:port`. */
  readonly address: string;
  close(): Promise<void>;
}

/** Options of `serveTcp`: TLS, interceptors and per-request context, a bound on connections. */
export interface TcpServeOptions {
  /** Serve TLS (h2) with this PEM pair instead of h2c. */
  tls?: { cert: string; key: string };
  interceptors?: Interceptor[];
  /** Per-request context values, made from the HTTP/2 request (its socket, its session). */
  contextValues?: (req: http2.Http2ServerRequest) => ContextValues;
  /** Connections open at once beyond which new ones are dropped (default 64). */
  maxConnections?: number;
  /** A connection that has not finished its TLS handshake in this long is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
}

/**
 * Handlers that serve one gRPC method themselves, by path, ahead of Connect:
 * asked only for plain binary gRPC requests (`isPlainGrpc`); one returns
 * false to leave the request to Connect.
 */
export type FastRoutes = ReadonlyMap<
  string,
  (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => boolean
>;

function createHandler(
  routes: (router: ConnectRouter) => void,
  options: Pick<TcpServeOptions, "interceptors" | "contextValues"> = {},
  fast: FastRoutes = new Map(),
) {
  const adapter = connectNodeAdapter({
    routes,
    readMaxBytes: 16 * 1024 * 1024,
    interceptors: options.interceptors,
    contextValues: options.contextValues as never,
  });
  return (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    // grpcio sends the percent-encoded socket path as :authority; connect-node
    // parses it as a URL host and would throw out of the request handler.
    if (!URL.canParse(`http://${req.authority}/`)) {
      Object.defineProperty(req, "authority", { value: "localhost" });
    }
    const own = fast.get(req.url);
    if (own && isPlainGrpc(req.headers) && own(req, res)) return;
    adapter(req, res);
  };
}

function track(server: http2.Http2Server): Set<http2.ServerHttp2Session> {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    widenConnectionWindow(session);
    session.once("close", () => sessions.delete(session));
    // A peer that vanishes must not take the server down with it.
    session.on("error", () => {});
  });
  return sessions;
}

function closer(
  server: http2.Http2Server,
  sessions: Set<http2.ServerHttp2Session>,
  after?: () => Promise<void>,
) {
  let closing: Promise<void> | undefined;
  return () =>
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const session of sessions) session.close();
      setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, 500).unref?.();
    }).then(after);
}

/** An HTTP/2 server that serves the connections handed to it (accepted elsewhere). */
export interface ConnectionServer {
  accept(socket: net.Socket): void;
  /** Closes its sessions (ending their calls after a grace period). */
  close(): Promise<void>;
}

/** Serves `routes` on connections accepted by another listener (`on_demand_server.ts`). */
export function connectionServer(
  routes: (router: ConnectRouter) => void,
  fast: FastRoutes = new Map(),
): ConnectionServer {
  const server = http2.createServer({ settings: windowSettings }, createHandler(routes, {}, fast));
  const sessions = track(server);
  return {
    accept: (socket) => server.emit("connection", socket),
    close: closer(server, sessions),
  };
}

/**
 * Serves `routes` on a unix socket created with mode 0600 (with `fast`, the
 * methods it names are served by their own handlers when plain gRPC).
 */
export async function serveUnix(
  path: string,
  routes: (router: ConnectRouter) => void,
  fast: FastRoutes = new Map(),
): Promise<RpcServer> {
  await claimSocketPath(path);
  const server = http2.createServer(
    { settings: windowSettings },
    createHandler(routes, {}, fast),
  );
  const sessions = track(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await Deno.chmod(path, 0o600);
  const close = closer(server, sessions, async () => {
    await Deno.remove(path).catch(() => {});
  });
  return { address: `unix://${path}`, close, [Symbol.asyncDispose]: close };
}

/** Serves `routes` as h2c (or TLS with `options.tls`) on a TCP host and port (0 picks a free port). */
export async function serveTcp(
  host: string,
  port: number,
  routes: (router: ConnectRouter) => void,
  options: TcpServeOptions = {},
): Promise<RpcServer & { port: number }> {
  const handler = createHandler(routes, options);
  // Bounded: concurrent streams per connection, header size (and unread bytes: the windows).
  const settings = { ...windowSettings, maxConcurrentStreams: 256, maxHeaderListSize: 64 * 1024 };
  const server: http2.Http2Server = options.tls
    ? http2.createSecureServer({
      cert: options.tls.cert,
      key: options.tls.key,
      settings,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
    }, handler) as unknown as http2.Http2Server
    : http2.createServer({ settings }, handler);
  server.maxConnections = options.maxConnections ?? 64;
  const sessions = track(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as net.AddressInfo).port;
  const close = closer(server, sessions);
  const scheme = options.tls ? "https" : "http";
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    address: `${scheme}://${shown}:${actual}`,
    port: actual,
    close,
    [Symbol.asyncDispose]: close,
  };
}
