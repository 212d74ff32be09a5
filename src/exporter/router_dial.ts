/**
 * Answering one dial of a lease: the router stream it names is joined to
 * this exporter. Over a raw splice (when the router offers one) the client's
 * first bytes choose: the HTTP/2 preface is spliced to the gRPC socket,
 * anything else is served by the fast channel right on the router's
 * connection; otherwise a gRPC Stream is spliced to the gRPC socket.
 *
 * @module
 */
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import { closeQuietly } from "../transport/byte_conn.ts";
import { fromConnectError } from "../transport/errors.ts";
import { readSome } from "../transport/first_bytes.ts";
import { withPrefix } from "../transport/prefixed_conn.ts";
import { openRawSplice } from "../transport/raw_splice.ts";
import { type RouterClients, spliceToRouter } from "../transport/router_splice.ts";
import { spliceConns } from "../transport/splice_conns.ts";
import type { LocalExporter } from "./local.ts";

/** One dial: the router stream to join, and when to give it up (the lease ended). */
export interface Dial {
  endpoint: string;
  token: string;
  stop: AbortSignal;
}

/** Serves the stream of `dial` until it ends; failures are logged (at debug), not thrown. */
export async function serveDial(
  local: LocalExporter,
  routers: RouterClients,
  dial: Dial,
  log: Logger,
): Promise<void> {
  const { endpoint, token } = dial;
  try {
    const raw = await openRawSplice(endpoint, token, routers.tls);
    if (raw) {
      const stop = () => closeQuietly(raw.conn);
      dial.stop.addEventListener("abort", stop, { once: true });
      // The client's first bytes say which of our channels it wants: the HTTP/2
      // preface ("PRI ...") is gRPC, spliced to our socket; anything else is the
      // fast channel, served right here on the router's connection (no hop).
      const first = raw.leftover.byteLength > 0 ? raw.leftover : await readSome(raw.conn);
      const fast = local.fast;
      if (!first) {
        stop();
      } else if (first[0] !== 0x50 && fast) {
        await fast.serve(withPrefix(raw.conn, first));
      } else {
        const conn = await Deno.connect({ transport: "unix", path: local.socketPath });
        await spliceConns(conn, withPrefix(raw.conn, first));
      }
      dial.stop.removeEventListener("abort", stop);
      return;
    }
    const conn = await Deno.connect({ transport: "unix", path: local.socketPath });
    await spliceToRouter(conn, routers.get(endpoint), token, dial.stop);
  } catch (error) {
    if (!dial.stop.aborted) {
      log.debug(`router stream ended: ${messageOf(fromConnectError(error))}`);
    }
  }
}
