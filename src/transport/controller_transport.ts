/**
 * The gRPC transport to a controller (or its router): h2c or TLS with the
 * configured CA, identity headers on every call. Tokens travel only in
 * headers and are never logged.
 *
 * @module
 */
import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";

/** Who is calling, for the `authorization` and `jumpstarter-*` headers. */
export interface Credentials {
  token: string;
  kind: "Client" | "Exporter";
  namespace: string;
  name: string;
}

/** `http://h:p` stays h2c; `https://` and bare `host:port` (upstream's form) use TLS. */
export function controllerUrl(endpoint: string): string {
  if (/^https?:\/\//.test(endpoint)) return endpoint.replace(/\/$/, "");
  return `https://${endpoint}`;
}

/** A transport plus the connection it owns. */
export interface ControllerTransport {
  transport: Transport;
  close(): void;
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
  options: { caBase64?: string; credentials?: Credentials },
): ControllerTransport {
  const endpoints = endpoint.split(",").map((e) => e.trim()).filter(Boolean);
  if (endpoints.length <= 1) return singleTransport(endpoint, options);
  return failoverTransport(endpoints.map((e) => singleTransport(e, options)));
}

/** True when a call failed because the replica could not be reached (not because it refused). */
function unreachable(error: unknown): boolean {
  if (!(error instanceof ConnectError)) return false;
  if (error.code === Code.Unavailable) return true;
  return [Code.Unknown, Code.Internal, Code.Canceled, Code.Aborted].includes(error.code) &&
    /ECONNREFUSED|ECONNRESET|EPIPE|ended by the other party|socket|stream closed|GOAWAY|session/i
      .test(error.rawMessage);
}

/** Tries each replica's transport in turn, staying with the first that answers. */
function failoverTransport(members: ControllerTransport[]): ControllerTransport {
  let current = 0;
  const transport: Transport = {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      let lastError: unknown;
      for (let tried = 0; tried < members.length; tried++) {
        const index = (current + tried) % members.length;
        try {
          const response = await members[index].transport.unary(
            method,
            signal,
            timeoutMs,
            header,
            input,
            contextValues,
          );
          current = index;
          return response;
        } catch (error) {
          if (signal?.aborted || !unreachable(error)) throw error;
          lastError = error;
        }
      }
      throw lastError;
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const index = current;
      try {
        return await members[index].transport.stream(
          method,
          signal,
          timeoutMs,
          header,
          input,
          contextValues,
        );
      } catch (error) {
        // Streams are not replayed; the next attempt by the caller goes to the next replica.
        if (unreachable(error)) current = (index + 1) % members.length;
        throw error;
      }
    },
  };
  return {
    transport,
    close: () => {
      for (const member of members) member.close();
    },
    rotate: () => {
      current = (current + 1) % members.length;
    },
  };
}

function singleTransport(
  endpoint: string,
  options: { caBase64?: string; credentials?: Credentials },
): ControllerTransport {
  const url = controllerUrl(endpoint);
  const ca = options.caBase64 ? atob(options.caBase64) : undefined;
  const manager = new Http2SessionManager(
    url,
    { idleConnectionTimeoutMs: 2 ** 31 - 1, pingIntervalMs: 10_000, pingTimeoutMs: 10_000 },
    ca ? { ca } : {},
  );
  const credentials = options.credentials;
  const identify: Interceptor = (next) => (req) => {
    if (credentials) {
      req.header.set("authorization", `Bearer ${credentials.token}`);
      req.header.set("jumpstarter-kind", credentials.kind);
      req.header.set("jumpstarter-namespace", credentials.namespace);
      req.header.set("jumpstarter-name", credentials.name);
    }
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager: manager,
    interceptors: [identify],
    readMaxBytes: 16 * 1024 * 1024,
  });
  return { transport, close: () => manager.abort() };
}
