/**
 * An independent gRPC stack standing in for upstream Jumpstarter's Python
 * client and exporter (which cannot run here): `@grpc/grpc-js` with the
 * .proto files in proto/, dialing as grpcio does.
 *
 * What it copies from upstream (python/packages/jumpstarter/jumpstarter/):
 * - `config/grpc.py` + `common/grpc.py`: a secure channel to a bare
 *   `host:port` target, trusting `tls.ca` (base64 PEM); calls carry
 *   `authorization: Bearer <token>` and `jumpstarter-kind`,
 *   `jumpstarter-namespace`, `jumpstarter-name`.
 * - `common/streams.py` `connect_router_stream`: a router stream is a TLS
 *   channel to the endpoint Dial/Listen named, with only the bearer token.
 * - `streams/router.py` `RouterStream`: DATA frames carry bytes; `receive()`
 *   returns empty for PING, ends at GOAWAY or the end of the call; `send_eof()`
 *   writes GOAWAY then half-closes the call (`done_writing`).
 * - `streams/common.py` `forward_stream`: copies both ways, each direction
 *   ending with `send_eof()` on the other.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";

const ROOT = new URL("../../proto", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Any = any;

// Loaded by a computed name: grpc-js's types pull a second @types/node into
// the type check, which breaks node:http's types for the whole program.
const load = (name: string): Promise<Any> => import(name);
/** `@grpc/grpc-js`, untyped here. */
export const grpc: Any = await load("@grpc/grpc-js");
const loader: Any = await load("@grpc/proto-loader");

/** The loaded services (jumpstarter.v1 and jumpstarter.client.v1). */
export const protos: Any = grpc.loadPackageDefinition(
  loader.loadSync([
    "jumpstarter/v1/router.proto",
    "jumpstarter/v1/jumpstarter.proto",
    "jumpstarter/client/v1/client.proto",
  ], { includeDirs: [ROOT], longs: Number, enums: Number, defaults: true, oneofs: true }),
).jumpstarter;

/** Frame types of RouterService.Stream. */
export const FRAME = { DATA: 0, RST_STREAM: 3, PING: 6, GOAWAY: 7 } as const;

/** Who calls (upstream's `call_credentials(kind, metadata, token)`). */
export interface UpstreamIdentity {
  kind: "Client" | "Exporter";
  namespace: string;
  name: string;
  token: string;
}

/** A ClientConfig/ExporterConfig as upstream reads it: bare endpoint, base64 CA, token. */
export interface UpstreamConfig {
  endpoint: string;
  tls: { ca: string };
  identity: UpstreamIdentity;
}

function sslCredentials(caBase64: string): Any {
  return grpc.credentials.createSsl(caBase64 ? Buffer.from(atob(caBase64)) : null);
}

function bearer(token: string, extra: Record<string, string> = {}): Any {
  return grpc.credentials.createFromMetadataGenerator(
    (_params: unknown, callback: (error: Error | null, metadata: unknown) => void) => {
      const metadata = new grpc.Metadata();
      for (const [key, value] of Object.entries(extra)) metadata.add(key, value);
      metadata.add("authorization", `Bearer ${token}`);
      callback(null, metadata);
    },
  );
}

/**
 * Channel options: Deno's node:tls refuses an IP address as TLS server name,
 * which grpc-js passes for an IP target (grpcio does not), so an IP target
 * verifies the name `localhost` (the test certificate holds both).
 */
export function channelOptions(endpoint: string): Record<string, string> {
  return /^[\d.]+:\d+$/.test(endpoint) ? { "grpc.ssl_target_name_override": "localhost" } : {};
}

/** Channel credentials of a controller channel (TLS + identity metadata), as upstream makes them. */
export function controllerCredentials(config: UpstreamConfig): Any {
  const { kind, namespace, name, token } = config.identity;
  return grpc.credentials.combineChannelCredentials(
    sslCredentials(config.tls.ca),
    bearer(token, {
      "jumpstarter-kind": kind,
      "jumpstarter-namespace": namespace,
      "jumpstarter-name": name,
    }),
  );
}

/** A ControllerService client for a config (a bare `host:port` target, as grpcio dials). */
export function controllerClient(config: UpstreamConfig): Any {
  return new protos.v1.ControllerService(
    config.endpoint,
    controllerCredentials(config),
    channelOptions(config.endpoint),
  );
}

/** A ClientService client for a config. */
export function clientServiceClient(config: UpstreamConfig): Any {
  return new protos.client.v1.ClientService(
    config.endpoint,
    controllerCredentials(config),
    channelOptions(config.endpoint),
  );
}

/** Calls a unary method as a promise. */
export function unary<T = Any>(client: Any, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](
      request,
      (error: Error | null, response: T) => error ? reject(error) : resolve(response),
    )
  );
}

/** Upstream's RouterStream over a grpc-js call. */
export class UpstreamRouterStream {
  readonly #call: Any;
  readonly #messages: AsyncIterator<Any>;
  readonly #ended: Promise<void>;
  readonly channel: Any;

  /** Opens a router stream to `endpoint` (what Dial/Listen returned) with `token`. */
  constructor(endpoint: string, token: string, caBase64: string) {
    const credentials = grpc.credentials.combineChannelCredentials(
      sslCredentials(caBase64),
      bearer(token),
    );
    this.channel = new protos.v1.RouterService(endpoint, credentials, channelOptions(endpoint));
    this.#call = (this.channel as Any).Stream();
    this.#call.on("error", () => {});
    this.#ended = new Promise((resolve) => this.#call.once("status", () => resolve()));
    this.#messages = this.#call[Symbol.asyncIterator]();
  }

  /** Next bytes: empty for PING, null at GOAWAY or the end of the call. Throws when the call fails. */
  async receive(): Promise<Uint8Array | null> {
    const next = await this.#messages.next();
    if (next.done) return null;
    const frame = next.value;
    if (frame.frameType === FRAME.GOAWAY) return null;
    if (frame.frameType === FRAME.DATA) return new Uint8Array(frame.payload);
    return new Uint8Array(0);
  }

  /** Writes a DATA frame, waiting while grpc-js's buffer is full. */
  async send(payload: Uint8Array): Promise<void> {
    if (!this.#call.write({ payload: Buffer.from(payload), frameType: FRAME.DATA })) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          this.#call.off("drain", done);
          this.#call.off("error", done);
          error ? reject(error) : resolve();
        };
        this.#call.once("drain", done);
        this.#call.once("error", done);
      });
    }
  }

  /** GOAWAY, then the end of this side's messages (grpcio's `done_writing`). */
  sendEof(): void {
    this.#call.write({ payload: Buffer.alloc(0), frameType: FRAME.GOAWAY });
    this.#call.end();
  }

  /**
   * Ends the call and its channel (grpcio's channel close cancels the call)
   * once the router ended it, or after `waitMs`: cancelling at once could drop
   * frames grpc-js still buffers.
   */
  async close(waitMs = 5_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#ended,
      new Promise((resolve) => timer = setTimeout(resolve, waitMs)),
    ]);
    clearTimeout(timer);
    this.#call.cancel();
    this.channel.close();
  }
}

/**
 * Upstream's `forward_stream(router, conn)`: both directions copied, each
 * ending with a half-close of the other; resolves when both are done.
 */
export async function forwardStream(router: UpstreamRouterStream, conn: Deno.Conn): Promise<void> {
  const toRouter = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      await router.send(buffer.slice(0, n));
    }
    router.sendEof();
  })();
  const fromRouter = (async () => {
    while (true) {
      const chunk = await router.receive();
      if (chunk === null) break;
      for (let off = 0; off < chunk.byteLength;) off += await conn.write(chunk.subarray(off));
    }
    await conn.closeWrite().catch(() => {});
  })();
  try {
    await Promise.all([toRouter, fromRouter]);
  } finally {
    await router.close();
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

/**
 * Upstream's client side of a lease (`jmp shell`): a unix socket at `path`
 * whose every connection is Dialed (the endpoint must be a bare host:port,
 * what grpcio can resolve) and forwarded over its own router stream.
 */
export function upstreamTunnel(config: UpstreamConfig, leaseName: string, path: string): {
  path: string;
  close(): Promise<void>;
} {
  const controller = controllerClient(config);
  const listener = Deno.listen({ transport: "unix", path });
  const tasks = new Set<Promise<void>>();
  void (async () => {
    for await (const conn of listener) {
      const task = (async () => {
        const dial = await unary(controller, "Dial", { leaseName });
        try {
          assert.match(dial.routerEndpoint, /^127\.0\.0\.1:\d+$/, "a bare host:port");
        } catch (error) {
          conn.close();
          throw error;
        }
        await forwardStream(
          new UpstreamRouterStream(dial.routerEndpoint, dial.routerToken, config.tls.ca),
          conn,
        );
      })().catch(() => {});
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })().catch(() => {});
  return {
    path,
    async close() {
      listener.close();
      await Promise.allSettled([...tasks]);
      controller.close();
    },
  };
}
