/**
 * The push stream of one open page (server-sent events): a batch of
 * changed rows as each batch of store changes arrives, seen through the
 * page's identity; `logout` when that identity is deleted or rotated.
 *
 * @module
 */
import type { Controller } from "../controller.ts";
import type { Identity } from "../model.ts";
import type { ChangeBatch, LiveFeed } from "./live_feed.ts";
import type { Req, Res } from "./http_io.ts";
import { SECURITY_HEADERS } from "./http_io.ts";
import { type ExporterRow, exporterRow, leaseRow, sees, snapshot } from "./state_view.ts";

/** Most pages one controller streams to at once. */
const MAX_STREAMS = 1_000;
/** How often a stream checks that its session still holds (another process may revoke it). */
const CHECK_MS = 1_000;
/** Every this many checks, a comment keeps proxies from closing an idle stream. */
const KEEPALIVE_CHECKS = 15;

/** The rows of a batch as `viewer` sees them. */
function changes(controller: Controller, batch: ChangeBatch, viewer: Identity) {
  if (batch.reset) return { reset: snapshot(controller, viewer) };
  const exporterKeys = new Set(batch.exporters);
  for (const key of batch.leases) {
    const lease = controller.leases.get(key);
    if (lease?.exporter) exporterKeys.add(`${lease.namespace}/${lease.exporter}`);
  }
  const exporters: Record<string, ExporterRow | null> = {};
  for (const key of exporterKeys) {
    const record = controller.exporters.get(key);
    if (record && !sees(viewer, record.namespace)) continue;
    exporters[key] = record ? exporterRow(record, controller.activeLeaseOf(record)) : null;
  }
  const leases = batch.leases.size === 0 ? undefined : [...controller.leases.values()]
    .filter((l) => !l.ended && sees(viewer, l.namespace))
    .map((l) => leaseRow(controller, l, viewer));
  return { exporters, leases };
}

/** Streams changes to one page until it goes away or its session ends. */
export function streamEvents(
  req: Req,
  res: Res,
  controller: Controller,
  feed: LiveFeed,
  viewer: () => Identity | undefined,
): void {
  if (feed.subscribers >= MAX_STREAMS) {
    res.writeHead(503, { "retry-after": "5" });
    res.end();
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": "text/event-stream",
    "cache-control": "no-store",
  });
  const write = (text: string) => (res as { write(chunk: string): boolean }).write(text);
  write(": open\n\n");
  const stop = feed.subscribe((batch) => {
    const identity = viewer();
    if (!identity) {
      write("event: logout\ndata: {}\n\n");
      return end();
    }
    if (batch.identities && batch.exporters.size === 0 && batch.leases.size === 0) return;
    write(
      `data: ${JSON.stringify({ ...changes(controller, batch, identity), at: Date.now() })}\n\n`,
    );
  });
  let checks = 0;
  const keepalive = setInterval(() => {
    if (!viewer()) {
      write("event: logout\ndata: {}\n\n");
      return end();
    }
    if (++checks % KEEPALIVE_CHECKS === 0) write(": keepalive\n\n");
  }, CHECK_MS);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    stop();
    clearInterval(keepalive);
    res.end();
  };
  req.once("close", end);
}
