/**
 * The gRPC transport to a controller (or its router): h2c or TLS with the
 * configured CA, identity headers on every call. Tokens travel only in
 * headers and are never logged. Several replicas are tried in turn
 * (`failover_transport.ts`).
 *
 * @module
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { failoverTransport, type ReplicaTransport } from "./failover_transport.ts";

/** Who is calling, for the `authorization` and `jumpstarter-*` headers. */
export interface Credentials {
  /** The bearer token, or where to get the current one before each call (it may refresh). */
  token: string | (() => Promise<string>);
  kind: "Client" | "Exporter";
  namespace: string;
  name: string;
}

/**
 * The longest token sent. Real ones are a few hundred bytes (a few KB for a
 * Kubernetes token); HTTP/2 peers refuse header blocks over 64 KiB before any
 * token check, which a caller saw as INTERNAL "REFUSED_STREAM".
 */
export const MAX_TOKEN_BYTES = 32 * 1024;

/** What a TLS connection trusts: a config's `tls` section (upstream's shape). */
export interface TlsTrust {
  /** Base64 of the PEM CA to trust; absent: the system's roots. */
  ca?: string;
  /** Trust whatever certificate the server presents (upstream's `tls.insecure`). */
  insecure?: boolean;
}

/** `http://h:p` stays h2c; `https://` and bare `host:port` (upstream's form) use TLS. */
export function controllerUrl(endpoint: string): string {
  if (/^https?:\/\//.test(endpoint)) return endpoint.replace(/\/$/, "");
  return `https://${endpoint}`;
}

/**
 * The link's keepalive: while a stream is open (an exporter's Status stream),
 * a PING every 10 s without other traffic, and a link whose PING goes 10 s
 * unanswered is dropped (then reconnected). The controller takes these PINGs
 * as the exporter's sign of life.
 */
export const LINK_PINGS = {
  idleConnectionTimeoutMs: 2 ** 31 - 1,
  pingIntervalMs: 10_000,
  pingTimeoutMs: 10_000,
} as const;

/** A transport plus the connection it owns. */
export interface ControllerTransport extends ReplicaTransport {
  /** With several replicas: use the next one from now on (after a stream broke). */
  rotate?(): void;
}

/**
 * Creates a transport to `endpoint`; `credentials` add identity headers (omit
 * for router streams). `endpoint` may list several controller replicas,
 * comma-separated: calls go to one and move to the next when it cannot be
 * reached.
 */
export function controllerTransport(
  endpoint: string,
  options: { tls?: TlsTrust; credentials?: Credentials },
): ControllerTransport {
  const endpoints = endpoint.split(",").map((e) => e.trim()).filter(Boolean);
  if (endpoints.length <= 1) return singleTransport(endpoint, options);
  return failoverTransport(endpoints.map((e) => singleTransport(e, options)));
}

function singleTransport(
  endpoint: string,
  options: { tls?: TlsTrust; credentials?: Credentials },
): ControllerTransport {
  const url = controllerUrl(endpoint);
  const manager = new Http2SessionManager(url, LINK_PINGS, tlsOptions(options.tls));
  const credentials = options.credentials;
  const identify: Interceptor = (next) => async (req) => {
    if (credentials) {
      const token = typeof credentials.token === "string"
        ? credentials.token
        : await credentials.token();
      if (token.length > MAX_TOKEN_BYTES) {
        throw new ConnectError(
          `The ${credentials.kind.toLowerCase()} token of "${credentials.name}" is ${token.length} bytes, over the ${MAX_TOKEN_BYTES} a token may have: check the token in its config`,
          Code.Unauthenticated,
        );
      }
      req.header.set("authorization", `Bearer ${token}`);
      req.header.set("jumpstarter-kind", credentials.kind);
      req.header.set("jumpstarter-namespace", credentials.namespace);
      req.header.set("jumpstarter-name", credentials.name);
    }
    return await next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager: manager,
    interceptors: [identify],
    readMaxBytes: 16 * 1024 * 1024,
  });
  return { transport, close: () => manager.abort() };
}

/** Node TLS options for a trust: the CA (decoded from base64), or no verification when insecure. */
export function tlsOptions(
  trust: TlsTrust | undefined,
): { ca?: string; rejectUnauthorized?: boolean } {
  if (trust?.insecure) return { rejectUnauthorized: false };
  return trust?.ca ? { ca: decodeCa(trust.ca) } : {};
}

/** The PEM of a `tls.ca` value: base64 of a PEM (upstream's form), or a PEM pasted as is. */
export function decodeCa(ca: string): string {
  const value = ca.trim();
  if (value.startsWith("-----BEGIN")) return value;
  try {
    return atob(value.replace(/\s+/g, ""));
  } catch {
    throw new TypeError(
      `Invalid tls.ca: expected the base64 of a PEM certificate (base64 -w0 ca.pem), got ${value.length} characters that are not base64`,
    );
  }
}
