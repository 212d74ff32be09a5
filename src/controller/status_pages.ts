/**
 * The controller's status pages: `/healthz` (JSON: the store, this replica,
 * whether it leads) and `/metrics` (Prometheus text), over HTTP/1.1 or
 * HTTP/2; anything else is 404.
 *
 * @module
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { RouterPairing } from "../router/router.ts";
import type { Controller } from "./controller.ts";
import { renderMetrics, type RpcStats } from "./metrics.ts";
import type { KvStore } from "./store/kv.ts";

/** Answers one request for a status page. */
export type StatusPages = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** The status pages of a running controller. */
export function statusPages(
  controller: Controller,
  router: RouterPairing,
  stats: RpcStats,
  store: KvStore,
): StatusPages {
  return (req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        status: "ok",
        store: store.description,
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
}
