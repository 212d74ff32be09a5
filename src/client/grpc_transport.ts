/**
 * The transports a gRPC session runs on: HTTP/2 to an address (a unix
 * socket or an h2c URL), or routes served in memory for unit tests.
 *
 * @module
 */
import * as net from "node:net";
import { type ConnectRouter, createRouterTransport, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { Address } from "../transport/address.ts";

/** A transport to an address (unix socket or h2c URL); it connects on first use. */
export function transportFor(address: Address): { transport: Transport; close(): void } {
  const baseUrl = address.kind === "unix" ? "http://localhost" : address.url;
  const options = address.kind === "unix"
    ? { createConnection: () => net.connect(address.path) }
    : {};
  const manager = new Http2SessionManager(
    baseUrl,
    { idleConnectionTimeoutMs: 2 ** 31 - 1 },
    options,
  );
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: manager,
    readMaxBytes: 16 * 1024 * 1024,
  });
  return { transport, close: () => manager.abort() };
}

/** A transport served in memory by `routes` (unit tests of drivers). */
export function inMemoryTransport(routes: (router: ConnectRouter) => void): Transport {
  return createRouterTransport(routes);
}
