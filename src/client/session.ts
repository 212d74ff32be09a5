/**
 * A connection to one exporter, exposing the transport-neutral
 * `ClientSession` the driver clients use. It speaks upstream's gRPC (unix
 * socket or h2c/TLS) and, when a local exporter of this project offers it,
 * the fast local channel (`src/transport/fast/`): then driver calls, byte
 * streams and resources use that channel, and everything else (LogStream,
 * status, reset) gRPC. An exporter that does not offer the channel, or
 * whose channel does not open, gets gRPC for everything, without a word.
 *
 * The gRPC stack (`grpc_link.ts`, `grpc_transport.ts`) loads on first use,
 * so a session on the fast channel starts without HTTP/2 or protobuf.
 *
 * @module
 */
import type { Client, ConnectRouter, Transport } from "@connectrpc/connect";
import type { ExporterService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import type { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import type { JsonValue } from "../driver/json_value.ts";
import type { Duplex } from "../driver/stream.ts";
import { type Address, parseAddress } from "../transport/address.ts";
import { FastChannel } from "../transport/fast/client.ts";
import type { ExporterReport } from "../transport/fast/opening.ts";
import { siblingPath } from "../transport/fast/protocol.ts";
import type { ClientSession } from "./client_session.ts";
import {
  fastPathWanted,
  isSocket,
  offersFastPath,
  type SessionOptions,
} from "./fast_path_choice.ts";
import type { GrpcLink } from "./grpc_link.ts";
import type { RawGrpc } from "./grpc_raw.ts";
import type { DirectOptions } from "./direct.ts";
import { lazyExporterClient, lazyRouterClient } from "./lazy_grpc_client.ts";
import type { Download, Upload, UploadOptions } from "./resource_transfer.ts";

type TransportSource =
  | { kind: "address"; address: Address; direct?: DirectOptions }
  | { kind: "routes"; routes: (router: ConnectRouter) => void }
  | { kind: "transport"; transport: Transport };

/** A live connection to an exporter. */
export class GrpcSession implements ClientSession, AsyncDisposable {
  readonly #calls = new AbortController();
  readonly #source: TransportSource;
  #link?: Promise<GrpcLink>;
  #closeTransport?: () => void;
  #fast: FastChannel | undefined;

  /** A session over `transport` (or an address or in-memory routes, resolved on first use). */
  constructor(
    transport: Transport | TransportSource,
    readonly onClose: () => void = () => {},
  ) {
    this.#source = "kind" in transport && typeof transport.kind === "string"
      ? transport as TransportSource
      : { kind: "transport", transport: transport as Transport };
  }

  /** A session to an address (unix socket or h2c URL); nothing connects until it is used. */
  static forAddress(address: Address, direct?: DirectOptions): GrpcSession {
    return new GrpcSession({ kind: "address", address, direct });
  }

  /** A session served in memory by `routes`: no socket, for unit tests of drivers. */
  static inMemory(routes: (router: ConnectRouter) => void): GrpcSession {
    return new GrpcSession({ kind: "routes", routes });
  }

  /**
   * Connects to `host` (socket path or URL) and checks the exporter answers.
   * At a unix socket `P` it first tries the fast channel at `P.fast`, whose
   * answer carries the report: if that report offers the channel and `P` is
   * the very socket the channel serves (same device and inode), the session
   * starts with no gRPC round trip. If `P` cannot be proven the same socket
   * (a tunnel, say), gRPC at `P` must report the same exporter for the
   * channel to be kept. Without an answer there, the channel is opened only
   * if gRPC's report offers it, naming the exporter uuid it must match.
   */
  static async open(
    host: string,
    options: SessionOptions = {},
  ): Promise<{ session: GrpcSession; report: ExporterReport }> {
    const address = parseAddress(host);
    const sibling = !fastPathWanted(options)
      ? undefined
      : options.fastTarget ?? (address.kind === "unix" ? siblingPath(address.path) : undefined);
    let fast = sibling ? await FastChannel.open(sibling).catch(() => undefined) : undefined;
    if (fast && !offersFastPath(fast.exporter.report)) {
      await fast.close();
      fast = undefined;
    }
    if (fast && await isSocket((address as { path: string }).path, fast)) {
      const session = GrpcSession.forAddress(address);
      session.#fast = fast;
      return { session, report: fast.exporter.report! };
    }
    let opened;
    try {
      opened = await GrpcSession.attach(GrpcSession.forAddress(address, options.direct), host);
    } catch (error) {
      await fast?.close();
      throw error;
    }
    if (fast) {
      if (offersFastPath(opened.report) && opened.report.uuid === fast.exporter.report?.uuid) {
        opened.session.#fast = fast;
      } else {
        await fast.close();
      }
    } else if (sibling && offersFastPath(opened.report)) {
      try {
        opened.session.#fast = await FastChannel.open(sibling, opened.report.uuid);
      } catch {
        // Not there, refused, or another exporter: gRPC serves everything.
      }
    }
    return opened;
  }

  /** Asks a new session for the exporter's report over gRPC, closing it if that fails. */
  static async attach(
    session: GrpcSession,
    host: string,
  ): Promise<{ session: GrpcSession; report: ExporterReport }> {
    try {
      const report = await (await session.#grpc()).report(host);
      return { session, report };
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /**
   * The fast channel, or undefined for gRPC. A channel whose calls connection
   * was lost (the exporter restarted, a controller replica carrying it died)
   * is opened again, once for all the calls waiting on it, at the next use,
   * as gRPC reconnects: the calls in flight at the loss fail, the next ones
   * work. If it cannot be opened again, that use fails and the next tries
   * again.
   */
  #fastChannel(): FastChannel | undefined | Promise<FastChannel | undefined> {
    const fast = this.#fast;
    if (!fast?.failure || this.#closed) return fast;
    return this.#reopening ??= (async () => {
      try {
        await fast.close();
        const reopened = await FastChannel.open(fast.target, fast.exporter.report?.uuid);
        if (this.#closed) await reopened.close();
        else this.#fast = reopened;
        return reopened;
      } finally {
        this.#reopening = undefined;
      }
    })();
  }
  #reopening?: Promise<FastChannel | undefined>;

  /** Which path serves driver calls and streams: the fast local channel or gRPC. */
  get path(): "fast" | "grpc" {
    return this.#fast ? "fast" : "grpc";
  }

  /** The gRPC half, loaded and connected on first use. */
  #grpc(): Promise<GrpcLink> {
    return this.#link ??= (async () => {
      const [transports, { GrpcLink }] = await Promise.all([
        import("./grpc_transport.ts"),
        import("./grpc_link.ts"),
      ]);
      const source = this.#source;
      let transport: Transport;
      let raw: RawGrpc | undefined;
      if (source.kind === "address") {
        const made = await transports.transportFor(source.address, source.direct);
        transport = made.transport;
        raw = made.raw;
        this.#closeTransport = made.close;
      } else if (source.kind === "routes") {
        transport = transports.inMemoryTransport(source.routes);
      } else {
        transport = source.transport;
      }
      if (this.#closed) this.#closeTransport?.();
      return new GrpcLink(transport, this.#calls.signal, raw);
    })();
  }

  /** ExporterService over gRPC (LogStream, GetStatus, Reset...); usable at once. */
  get exporter(): Client<typeof ExporterService> {
    return this.#exporter ??= lazyExporterClient(() => this.#grpc());
  }
  #exporter?: Client<typeof ExporterService>;

  /** RouterService over gRPC (the inner byte-stream calls). */
  get router(): Client<typeof RouterService> {
    return this.#router ??= lazyRouterClient(() => this.#grpc());
  }
  #router?: Client<typeof RouterService>;

  async call(uuid: string, method: string, args: unknown[]): Promise<JsonValue> {
    const fast = await this.#fastChannel();
    if (fast) return await fast.call(uuid, method, args);
    return await (await this.#grpc()).call(uuid, method, args);
  }

  async *streamingCall(
    uuid: string,
    method: string,
    args: unknown[],
    signal?: AbortSignal,
  ): AsyncIterable<JsonValue> {
    const fast = await this.#fastChannel();
    if (fast) {
      yield* fast.streamingCall(uuid, method, args, signal);
      return;
    }
    yield* (await this.#grpc()).streamingCall(uuid, method, args, signal);
  }

  /** Resolves once the exporter accepted the stream, so an open failure rejects here. */
  async openStream(uuid: string, method: string): Promise<Duplex> {
    const fast = await this.#fastChannel();
    if (fast) return await fast.openStream(uuid, method);
    return await (await this.#grpc()).openStream(uuid, method);
  }

  async upload(
    uuid: string,
    source: ReadableStream<Uint8Array>,
    options: UploadOptions = {},
  ): Promise<Upload> {
    const fast = await this.#fastChannel();
    if (fast) return await fast.upload(uuid, source, options);
    return await (await this.#grpc()).upload(uuid, source, options);
  }

  /** Opens a resource the driver writes into; its bytes arrive on `readable`. */
  async download(uuid: string): Promise<Download> {
    const fast = await this.#fastChannel();
    if (fast) return await fast.download(uuid);
    return await (await this.#grpc()).download(uuid);
  }

  #closed = false;
  /** Cancels open calls and closes the HTTP/2 connection (and the fast channel). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#calls.abort();
    this.#closeTransport?.();
    this.onClose();
    await this.#reopening?.catch(() => {});
    await this.#fast?.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
