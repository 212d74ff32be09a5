/**
 * The transports a gRPC session runs on: HTTP/2 to an address (a unix
 * socket, an h2c URL, or a TLS URL with a direct exporter's trust and
 * passphrase), or routes served in memory for unit tests.
 *
 * @module
 */
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
import { type DirectOptions, PASSPHRASE_HEADER } from "./direct.ts";

/**
 * A transport to an address (unix socket, h2c or TLS URL); it connects on
 * first use. With `direct`: every call carries the passphrase, and TLS trusts
 * its CA, or only the certificate whose fingerprint is pinned (fetched and
 * checked here, before anything is sent).
 */
export async function transportFor(
  address: Address,
  direct: DirectOptions = {},
): Promise<{ transport: Transport; close(): void }> {
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
  const manager = new Http2SessionManager(
    baseUrl,
    { idleConnectionTimeoutMs: 2 ** 31 - 1 },
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
  return { transport, close: () => manager.abort() };
}

/** A transport served in memory by `routes` (unit tests of drivers). */
export function inMemoryTransport(routes: (router: ConnectRouter) => void): Transport {
  return createRouterTransport(routes);
}
