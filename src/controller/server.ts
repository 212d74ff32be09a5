/**
 * `controller serve`: ControllerService, ClientService and RouterService on
 * one HTTP/2 port (gRPC, gRPC-Web, Connect), h2c or TLS, with `/healthz` and
 * `/metrics`, every call authenticated.
 *
 * @module
 */
import { ConnectionGuard, type ConnectionLimits } from "./connection_guard.ts";
import type * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { type ConnectRouter, createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import { Logger } from "../log.ts";
import { RouterPairing } from "../router/router.ts";
import { authInterceptor } from "./auth_interceptor.ts";
import { Controller } from "./controller.ts";
import type { ControllerOptions } from "./controller_options.ts";
import { controllerRoutes, sessionKey } from "./controller_service.ts";
import { clientRoutes } from "./client_service.ts";
import { RpcStats } from "./metrics.ts";
import { portServer } from "./port_server.ts";
import { RouterEndpoints } from "./router_endpoints.ts";
import { statusPages } from "./status_pages.ts";
import { serveStatus, STATUS_PATH } from "./status_stream.ts";
import type { KvStore } from "./store/kv.ts";
import { dashboard } from "./dashboard/dashboard.ts";
import type { BoardOpener } from "./dashboard/board_links.ts";

/** Options of `startController`. */
export interface ControllerServerOptions extends ControllerOptions {
  store: KvStore;
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  /**
   * Addresses clients and exporters use to reach this controller's router,
   * handed out one per stream in turn (default: from host/port). With TLS they
   * are handed out as bare `host:port` (upstream's form), else `http://host:port`.
   */
  routerEndpoints?: string[];
  pairingTimeoutMs?: number;
  /** Connection cap and first-byte deadline. */
  connections?: ConnectionLimits;
  /**
   * Connects the dashboard's board page to leased boards as a client of this
   * controller (`url`, and the certificate to trust on TLS); the entry point
   * builds it on `src/client`. Without it the board page has no console or power.
   */
  boards?: (url: string, caPem?: string) => BoardOpener;
}

/** A running controller. */
export interface ControllerServer extends AsyncDisposable {
  controller: Controller;
  router: RouterPairing;
  /** `http://host:port` or `https://host:port`. */
  url: string;
  /** The router addresses handed out in Dial and Listen answers. */
  routerEndpoints: readonly string[];
  port: number;
  close(): Promise<void>;
}

/** Starts the controller on `host:port`. */
export async function startController(options: ControllerServerOptions): Promise<ControllerServer> {
  const log = options.log ?? new Logger("controller");
  // Checked before opening the store: a bad address is a usage error, not a half-started server.
  let endpoints = options.routerEndpoints?.length
    ? new RouterEndpoints(options.routerEndpoints, options.tls !== undefined)
    : undefined;
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
  const routes = (r: ConnectRouter) => {
    controllerRoutes(controller, { next: () => endpoints!.next() })(r);
    clientRoutes(controller)(r);
    r.service(RouterService, { stream: (requests, ctx) => router.stream(requests, ctx) });
  };
  const status = statusPages(controller, router, stats, options.store);
  let url = "";
  const boards = options.boards;
  const web = await dashboard(controller, {
    store: options.store,
    secure: options.tls !== undefined,
    log,
    boards: boards && ((caller, lease) => boards(url, options.tls?.cert)(caller, lease)),
  });
  const pages: typeof status = (req, res) => {
    if (!web(req, res)) status(req, res);
  };
  const adapter = connectNodeAdapter({
    routes,
    interceptors: [authInterceptor(controller, stats)],
    readMaxBytes: 16 * 1024 * 1024,
    fallback: (req, res) => pages(req, res as http2.Http2ServerResponse),
    // The session each call came on: liveness PINGs the one of an exporter's Status stream.
    contextValues: (req) =>
      createContextValues().set(sessionKey, (req as http2.Http2ServerRequest).stream?.session),
  });
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    if (!URL.canParse(`http://${req.authority}/`)) {
      Object.defineProperty(req, "authority", { value: "localhost" });
    }
    if (req.url === STATUS_PATH && serveStatus(controller, stats, req, res)) return;
    adapter(req, res);
  };
  const { server, close: closeServer } = portServer(options.tls, {
    rpc: handler,
    pages,
    splice: (socket) => void router.acceptRaw(socket),
  }, new ConnectionGuard(options.connections ?? {}, log));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host;
  url = `${scheme}://${hostForUrl === "0.0.0.0" ? "127.0.0.1" : hostForUrl}:${port}`;
  endpoints ??= new RouterEndpoints([url], options.tls !== undefined);
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      stopCutting();
      await web.close();
      // Each step is bounded; the log says which one a slow shutdown waits on.
      log.debug("shutdown: resigning leadership and this replica's store lease");
      await controller.close();
      log.debug("shutdown: closing connections");
      await closeServer();
      log.debug("shutdown: closing the store");
      await options.store.close();
      log.debug("shutdown: done");
    })();
  return {
    controller,
    router,
    url,
    routerEndpoints: endpoints.list,
    port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
