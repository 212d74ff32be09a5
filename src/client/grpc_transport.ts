/**
 * The transports a gRPC session runs on: HTTP/2 to an address (a unix
 * socket, an h2c URL, or a TLS URL with a direct exporter's trust and
 * passphrase), or routes served in memory for unit tests.
 *
 * @module
 */
import type * as http2 from "node:http2";
import * as net from "node:net";
import {
  type ConnectRouter,
  createRouterTransport,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { Address } from "../transport/address.ts";
import { pinnedCertificate } from "../transport/tls_pin.ts";
import { widenConnectionWindow, windowSettings } from "../transport/http2_windows.ts";
import { type DirectOptions, PASSPHRASE_HEADER } from "./direct.ts";
import { RawGrpc } from "./grpc_raw.ts";

/**
 * A transport to an address (unix socket, h2c or TLS URL); it connects on
 * first use. With `direct`: every call carries the passphrase, and TLS trusts
 * its CA, or only the certificate whose fingerprint is pinned (fetched and
 * checked here, before anything is sent).
 */
export async function transportFor(
  address: Address,
  direct: DirectOptions = {},
): Promise<{ transport: Transport; raw: RawGrpc; close(): void }> {
  const baseUrl = address.kind === "unix" ? "http://localhost" : address.url;
  let options: Record<string, unknown> = {};
  if (address.kind === "unix") {
    options = { createConnection: () => net.connect(address.path) };
  } else if (address.tls && direct.fingerprint) {
    const url = new URL(address.url);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const ca = await pinnedCertificate(host, Number(url.port || 443), direct.fingerprint);
    // The pinned certificate is the identity: whatever name it carries.
    options = { ca, checkServerIdentity: () => undefined };
  } else if (address.tls && direct.ca) {
    options = { ca: direct.ca };
  }
  // No idle timeout: past 2^31-1 ms connect-node arms none (at 2^31-1 it re-arms a timer per call).
  const manager = new WideWindowSessions(
    baseUrl,
    { idleConnectionTimeoutMs: Number.POSITIVE_INFINITY },
    options,
  );
  const passphrase = direct.passphrase;
  const interceptors: Interceptor[] = passphrase
    ? [(next) => (req) => {
      req.header.set(PASSPHRASE_HEADER, passphrase);
      return next(req);
    }]
    : [];
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: manager,
    interceptors,
    readMaxBytes: 16 * 1024 * 1024,
  });
  // DriverCall and driver byte streams: a session of their own, whose streams have wide windows.
  const wide = new WideWindowSessions(
    baseUrl,
    { idleConnectionTimeoutMs: Number.POSITIVE_INFINITY },
    { ...options, settings: windowSettings },
  );
  const raw = new RawGrpc(wide, passphrase ? { [PASSPHRASE_HEADER]: passphrase } : {});
  return {
    transport,
    raw,
    close: () => {
      manager.abort();
      wide.abort();
    },
  };
}

/**
 * Sessions whose connection window is widened on their first request
 * (`http2_windows.ts`). Connect's session keeps HTTP/2's default 64 KiB
 * stream window (a consumer that stops reading a streaming call holds the
 * driver back within 64 KiB of small answers, not megabytes of them); the
 * session of DriverCall and driver byte streams advertises wide ones.
 */
class WideWindowSessions extends Http2SessionManager {
  readonly #widened = new WeakSet<http2.ClientHttp2Session>();

  override async request(
    ...args: Parameters<Http2SessionManager["request"]>
  ): Promise<http2.ClientHttp2Stream> {
    const stream = await super.request(...args);
    const session = stream.session as http2.ClientHttp2Session | undefined;
    if (session && !this.#widened.has(session)) {
      this.#widened.add(session);
      widenConnectionWindow(session);
    }
    return stream;
  }
}

/** A transport served in memory by `routes` (unit tests of drivers). */
export function inMemoryTransport(routes: (router: ConnectRouter) => void): Transport {
  return createRouterTransport(routes);
}
