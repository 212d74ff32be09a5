/**
 * `controller serve`: ControllerService, ClientService and RouterService on
 * one HTTP/2 port (gRPC, gRPC-Web, Connect), h2c or TLS, with `/healthz` and
 * `/metrics`, every call authenticated.
 *
 * @module
 */
import * as http2 from "node:http2";
import * as http from "node:http";
import { type AddressInfo, createServer as netServer, type Server as NetServer } from "node:net";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import { Logger } from "../log.ts";
import { toConnectError } from "../transport/errors.ts";
import { RouterPairing } from "../router/router.ts";
import { AuthError } from "./auth_error.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import { NotFoundError } from "./errors.ts";
import { callerKey, controllerRoutes } from "./controller_service.ts";
import { clientRoutes } from "./client_service.ts";
import { renderMetrics, RpcStats } from "./metrics.ts";
import type { KvStore } from "./store/kv.ts";
import { ConflictError, StoreUnavailableError } from "./store/kv.ts";
import type { Kind } from "./model.ts";

/** Options of `startController`. */
export interface ControllerServerOptions extends ControllerOptions {
  store: KvStore;
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  /** URL clients and exporters use to reach this controller's router (default: from host/port). */
  advertise?: string;
  pairingTimeoutMs?: number;
}

/** A running controller. */
export interface ControllerServer extends AsyncDisposable {
  controller: Controller;
  router: RouterPairing;
  /** `http://host:port` or `https://host:port`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const exporterMethods = new Set(["Register", "Unregister", "ReportStatus", "Listen", "Status"]);

function requiredKind(service: string, method: string): Kind | undefined {
  if (service === "jumpstarter.client.v1.ClientService") return "Client";
  if (service === "jumpstarter.v1.ControllerService") {
    if (method === "GetServiceEndpoints") return undefined;
    return exporterMethods.has(method) ? "Exporter" : "Client";
  }
  return undefined;
}

/** Any error as the ConnectError the controller answers with. */
export function controllerError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof AuthError) return new ConnectError(error.message, Code.Unauthenticated);
  if (error instanceof NotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof ConflictError) return new ConnectError(error.message, Code.Aborted);
  if (error instanceof StoreUnavailableError) {
    return new ConnectError(error.message, Code.Unavailable);
  }
  return toConnectError(error);
}

async function* mapStreamErrors<T>(stream: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* stream;
  } catch (error) {
    throw controllerError(error);
  }
}

function authInterceptor(controller: Controller, stats: RpcStats): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const name = `${req.service.typeName.replace(/^jumpstarter\./, "")}/${req.method.name}`;
    let failed = false;
    try {
      const kind = requiredKind(req.service.typeName, req.method.name);
      if (req.service.typeName !== RouterService.typeName) {
        const token = req.header.get("authorization")?.replace(/^Bearer\s+/i, "");
        const identity = await controller.authenticate(token, {
          kind: req.header.get("jumpstarter-kind"),
          namespace: req.header.get("jumpstarter-namespace"),
          name: req.header.get("jumpstarter-name"),
        });
        if (kind && identity.kind !== kind) {
          throw new ConnectError(
            `${req.method.name} is for ${kind.toLowerCase()}s; this token belongs to ${identity.kind.toLowerCase()} "${identity.name}"`,
            Code.PermissionDenied,
          );
        }
        req.contextValues.set(callerKey, identity);
      }
      const res = await next(req);
      if (res.stream) return { ...res, message: mapStreamErrors(res.message) };
      return res;
    } catch (error) {
      failed = true;
      throw controllerError(error);
    } finally {
      stats.record(name, (performance.now() - started) / 1000, failed);
    }
  };
}

/** Starts the controller on `host:port`. */
export async function startController(options: ControllerServerOptions): Promise<ControllerServer> {
  const log = options.log ?? new Logger("controller");
  const controller = await Controller.open(options.store, { ...options, log });
  const router = new RouterPairing({
    verifyStreamToken: (token) => controller.authority.verifyStreamToken(token),
    leaseActive: (namespace, lease) => controller.leaseActive(namespace, lease),
  }, options.pairingTimeoutMs);
  const stopCutting = controller.onLeaseEnd((lease, reason) =>
    router.cutLease(lease.namespace, lease.name, reason)
  );
  const stats = new RpcStats();
  const scheme = options.tls ? "https" : "http";
  let advertised = options.advertise ?? "";
  const routes = (r: ConnectRouter) => {
    controllerRoutes(controller, {
      get url() {
        return advertised;
      },
      certificate: "",
    })(r);
    clientRoutes(controller)(r);
    r.service(RouterService, { stream: (requests, ctx) => router.stream(requests, ctx) });
  };
  const adapterFallback = (
    req: { url?: string },
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        status: "ok",
        store: options.store.description,
        replica: controller.coordination.replicaId,
        leader: controller.isLeader,
      }));
    } else if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(renderMetrics(controller, router, stats));
    } else {
      res.writeHead(404);
      res.end();
    }
  };
  const adapter = connectNodeAdapter({
    routes,
    interceptors: [authInterceptor(controller, stats)],
    readMaxBytes: 16 * 1024 * 1024,
    fallback: (req, res) => adapterFallback(req, res as http2.Http2ServerResponse),
  });
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    if (!URL.canParse(`http://${req.authority}/`)) {
      Object.defineProperty(req, "authority", { value: "localhost" });
    }
    adapter(req, res);
  };
  const sessions = new Set<http2.ServerHttp2Session>();
  const trackSessions = (h2: http2.Http2Server | http2.Http2SecureServer) =>
    h2.on("session", (session: http2.ServerHttp2Session) => {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
      session.on("error", () => {});
    });
  let server: NetServer;
  if (options.tls) {
    server = http2.createSecureServer(
      { cert: options.tls.cert, key: options.tls.key, allowHTTP1: true },
      handler,
    );
    trackSessions(server as http2.Http2SecureServer);
  } else {
    // h2c for RPCs, HTTP/1.1 on the same port for /healthz and /metrics
    // (Prometheus and curl speak HTTP/1.1), and raw router splices: the first
    // byte tells them apart.
    const h2 = http2.createServer({}, handler);
    trackSessions(h2);
    const h1 = http.createServer((req, res) => adapterFallback(req, res));
    server = netServer((socket) => {
      socket.once("readable", () => {
        const head = socket.read(1) as Uint8Array | null;
        if (!head) return socket.destroy();
        socket.unshift(head);
        // "P": the HTTP/2 preface; "J": a raw router splice (JMPSPLICE1); else HTTP/1.1.
        if (head[0] === 0x4a) void router.acceptRaw(socket);
        else (head[0] === 0x50 ? h2 : h1).emit("connection", socket);
      });
      socket.on("error", () => {});
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `${scheme}://${hostForUrl === "0.0.0.0" ? "127.0.0.1" : hostForUrl}:${port}`;
  advertised ||= url;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      stopCutting();
      await controller.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.close();
        setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, 1000).unref?.();
      });
      await options.store.close();
    })();
  return { controller, router, url, port, close, [Symbol.asyncDispose]: close };
}
