/**
 * The controller's one listening port, with TLS or in the clear: HTTP/2 for
 * RPCs, HTTP/1.1 for the status pages and the dashboard, and raw router
 * splices, told apart by ALPN (with TLS) or their first bytes. It keeps the open HTTP/2
 * sessions so closing it ends them too.
 *
 * @module
 */
import * as http2 from "node:http2";
import * as http from "node:http";
import { createServer as netServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { RAW_SPLICE_ALPN } from "../router/splice_request.ts";
import { switchedOff } from "../env_switch.ts";
import type { StatusPages } from "./status_pages.ts";
import { ConnectionGuard } from "./connection_guard.ts";
import { concatBytes } from "../driver/concat_bytes.ts";

/** How long open connections get to finish when the port closes, before they are destroyed. */
const CLOSE_GRACE_MS = 1000;

/** A controller's server socket, not yet listening. */
export interface PortServer {
  server: NetServer;
  /**
   * Stops accepting, closes the HTTP/2 sessions and destroys every connection
   * still open after 1 s; resolves within 2 s whatever the peers do.
   */
  close(): Promise<void>;
}

/** What the port serves. */
export interface PortHandlers {
  /** Every HTTP/2 request (the RPCs and, through their fallback, the status pages). */
  rpc(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void;
  /** HTTP/1.1 requests in the clear (Prometheus and curl speak HTTP/1.1). */
  pages: StatusPages;
  /** A raw router splice (a connection starting with `JMPSPLICE1`). */
  splice(socket: Socket): void;
}

/**
 * Whether the TLS port offers raw splices (ALPN `jmpsplice1`): yes unless
 * `JMP_ROUTER_TLS_SPLICE=off` (then TLS streams of our clients and
 * exporters take the gRPC Stream, as upstream's do).
 */
export function tlsSpliceOffered(): boolean {
  return !switchedOff("JMP_ROUTER_TLS_SPLICE");
}

/** The server socket for `tls` (h2 with TLS) or, without it, the first-byte split in the clear. */
export function portServer(
  tls: { cert: string; key: string } | undefined,
  handlers: PortHandlers,
  guard: ConnectionGuard = new ConnectionGuard({}),
): PortServer {
  const handler = handlers.rpc;
  const sessions = new Set<http2.ServerHttp2Session>();
  const trackSessions = (h2: http2.Http2Server) =>
    h2.on("session", (session: http2.ServerHttp2Session) => {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
      session.on("error", () => {});
    });
  const h2 = http2.createServer({}, handler);
  trackSessions(h2);
  const h1 = http.createServer((req, res) => handlers.pages(req, res));
  // h2c or h2 for RPCs, HTTP/1.1 for /healthz and /metrics (Prometheus and
  // curl speak HTTP/1.1), and raw router splices: the first byte tells them apart.
  const byFirstByte = (socket: Socket, started: () => void) => {
    // "PR" (the HTTP/2 preface "PRI * HTTP/2.0"): h2c; "J": a raw router splice
    // (JMPSPLICE1); anything else, POST and PUT too, is HTTP/1.1.
    let head: Uint8Array = new Uint8Array(0);
    const route = () => {
      for (let chunk; (chunk = socket.read() as Uint8Array | null) !== null;) {
        head = head.length === 0 ? chunk : concatBytes([head, chunk]);
      }
      if (head.length === 0 || (head[0] === 0x50 && head.length < 2)) {
        if (socket.readableEnded) socket.destroy();
        return;
      }
      socket.off("readable", route);
      started();
      socket.unshift(head);
      if (head[0] === 0x4a) handlers.splice(socket);
      else (head[0] === 0x50 && head[1] === 0x52 ? h2 : h1).emit("connection", socket);
    };
    socket.on("readable", route);
  };
  let server: NetServer;
  if (tls) {
    // TLS first; then ALPN chooses: h2 (gRPC), the raw splice (our fast path,
    // the same single-use tokens), or else the first byte as in the clear.
    const deadlines = new WeakMap<Socket, { started(): void }>();
    const secure = createTlsServer({
      cert: tls.cert,
      key: tls.key,
      ALPNProtocols: tlsSpliceOffered() ? ["h2", RAW_SPLICE_ALPN, "http/1.1"] : ["h2", "http/1.1"],
      handshakeTimeout: guard.firstByteTimeoutMs,
      // A splice half-closes: a peer's end of data must not end what goes back to it.
      allowHalfOpen: true,
    });
    secure.on("connection", (socket: Socket) => {
      socket.on("error", () => {});
      if (guard.admit(socket)) deadlines.set(socket, guard.deadline(socket));
    });
    secure.on("tlsClientError", () => {});
    secure.on("secureConnection", (socket: TLSSocket) => {
      socket.on("error", () => {});
      // The handshake is the first sign of life (the raw socket's data events
      // are not seen under Deno's TLS, so they cannot end the deadline).
      const raw = (socket as unknown as { _parent?: Socket })._parent;
      const started = () => (raw ? deadlines.get(raw)?.started() : undefined);
      if (socket.alpnProtocol === "h2") {
        started();
        h2.emit("connection", socket);
      } else if (socket.alpnProtocol === RAW_SPLICE_ALPN) {
        started();
        handlers.splice(socket);
      } else byFirstByte(socket, started);
    });
    server = secure;
  } else {
    server = netServer((socket) => {
      socket.on("error", () => {});
      if (!guard.admit(socket)) return;
      byFirstByte(socket, guard.deadline(socket).started);
    });
  }
  // Every accepted socket, whatever it carries (HTTP/2, HTTP/1.1, a raw splice, nothing yet),
  // so closing never waits on a peer that keeps one open.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const close = () =>
    new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(grace);
        clearTimeout(last);
        resolve();
      };
      server.close(finish);
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, CLOSE_GRACE_MS);
      // Destroyed sockets may report their end late (or never): closing is bounded anyway.
      const last = setTimeout(finish, 2 * CLOSE_GRACE_MS);
    });
  return { server, close };
}
