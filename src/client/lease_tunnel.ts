/**
 * The tunnel of a Ready lease: a private local socket (and its fast sibling)
 * whose every connection is carried to the lease's exporter through the
 * router, as a raw splice when the router offers one, else as upstream's
 * RouterService.Stream.
 *
 * @module
 */
import { DEFAULT_DIAL_RETRY, type DialRetry, dialWithRetry } from "./dial_retry.ts";
import { makeOwnedTempDir } from "../transport/owned_temp_dir.ts";
import { UnavailableError } from "../driver/errors.ts";
import { spliceToRouter } from "../transport/router_splice.ts";
import { openRawSplice } from "../transport/raw_splice.ts";
import { spliceConns } from "../transport/splice_conns.ts";
import { withPrefix } from "../transport/prefixed_conn.ts";
import type { FastTarget } from "../transport/fast/dial.ts";
import { type ByteConn, closeQuietly } from "../transport/byte_conn.ts";
import { siblingPath } from "../transport/fast/protocol.ts";
import type { ControllerClient } from "./controller_client.ts";

/** A private local socket whose every connection is tunneled to the lease's exporter. */
export interface LeaseTunnel extends AsyncDisposable {
  /** `unix://` address for `JUMPSTARTER_HOST`. */
  host: string;
  /**
   * Opens the exporter's fast channel straight through the router (a raw
   * splice from this process, no hop through the tunnel's socket), for a
   * client in this process: `connect(host, { fastTarget })`.
   */
  fastTarget: FastTarget;
  close(): Promise<void>;
}

/** Opens the tunnel of a Ready lease. */
export async function openTunnel(
  controller: ControllerClient,
  leaseName: string,
  options: { routerSplice?: boolean; retry?: DialRetry } = {},
): Promise<LeaseTunnel> {
  const dir = await makeOwnedTempDir("lease");
  const path = `${dir}/exporter.sock`;
  // The gRPC socket and its fast sibling are carried alike: the exporter tells
  // the two apart by their first bytes.
  const paths = [path, siblingPath(path)];
  const listeners = paths.map((p) => Deno.listen({ transport: "unix", path: p }));
  for (const p of paths) await Deno.chmod(p, 0o600);
  const stop = new AbortController();
  const open = new Set<ByteConn>();
  stop.signal.addEventListener("abort", () => {
    for (const conn of open) closeQuietly(conn);
  }, { once: true });
  /** Dials a new stream of the lease: a raw splice when the router takes one (closed with the tunnel). */
  const dial = async () => {
    if (stop.signal.aborted) throw new UnavailableError("The lease tunnel is closed");
    const { routerEndpoint, routerToken } = await dialWithRetry(
      () => controller.dial(leaseName),
      options.retry ?? DEFAULT_DIAL_RETRY,
      stop.signal,
    );
    const spliced = options.routerSplice === false
      ? undefined
      : await openRawSplice(routerEndpoint, routerToken, controller.config.tls);
    if (!spliced) return { routerEndpoint, routerToken };
    const conn = withPrefix(spliced.conn, spliced.leftover);
    const raw: ByteConn = {
      read: (buffer) => conn.read(buffer),
      write: (data) => conn.write(data),
      closeWrite: () => conn.closeWrite(),
      close: () => {
        open.delete(raw);
        conn.close();
      },
    };
    open.add(raw);
    if (stop.signal.aborted) closeQuietly(raw);
    return { raw, routerEndpoint, routerToken };
  };
  const fastTarget: FastTarget = {
    name: `lease ${leaseName} through the router`,
    async dial() {
      const { raw, routerEndpoint } = await dial();
      if (!raw) {
        throw new UnavailableError(`The router at ${routerEndpoint} does not offer raw splices`);
      }
      return raw;
    },
  };
  const running = new Set<Promise<void>>();
  const carry = async (conn: Deno.UnixConn) => {
    try {
      const { raw, routerEndpoint, routerToken } = await dial();
      // Our router takes the bytes raw; anyone else's gets the wire-compatible Stream.
      if (raw) await spliceConns(conn, raw);
      else await spliceToRouter(conn, controller.router(routerEndpoint), routerToken, stop.signal);
    } catch {
      closeQuietly(conn);
    }
  };
  const accepting = listeners.map((listener) =>
    (async () => {
      for await (const conn of listener) {
        const task = carry(conn);
        running.add(task);
        task.finally(() => running.delete(task));
      }
    })().catch(() => {})
  );
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      stop.abort();
      for (const listener of listeners) {
        try {
          listener.close();
        } catch { /* closed */ }
      }
      await Promise.all(accepting);
      await Promise.allSettled([...running]);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  return { host: `unix://${path}`, fastTarget, close, [Symbol.asyncDispose]: close };
}
