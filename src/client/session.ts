/**
 * A connection to one exporter over gRPC (unix socket or h2c/TLS), exposing
 * the transport-neutral `ClientSession` the driver clients use.
 *
 * @module
 */
import * as net from "node:net";
import {
  type Client,
  type ConnectRouter,
  createClient,
  createRouterTransport,
  type Transport,
} from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ExporterService, type GetReportResponse } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { FrameType, RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import { decodeValue, encodeValue, type JsonValue } from "../driver/value.ts";
import type { Duplex } from "../driver/stream.ts";
import type { ResourceHandle } from "../driver/driver.ts";
import { UnavailableError } from "../driver/errors.ts";
import { type Address, parseAddress } from "../transport/address.ts";
import { fromConnectError } from "../transport/errors.ts";
import { framesFrom } from "../transport/frames.ts";
import type { ClientSession, Upload, UploadOptions } from "./driver_client.ts";

/** A live gRPC connection to an exporter. */
export class GrpcSession implements ClientSession, AsyncDisposable {
  readonly exporter: Client<typeof ExporterService>;
  readonly router: Client<typeof RouterService>;
  readonly #calls = new AbortController();

  constructor(transport: Transport, readonly onClose: () => void = () => {}) {
    this.exporter = createClient(ExporterService, transport);
    this.router = createClient(RouterService, transport);
  }

  /** A session over gRPC to an address (unix socket or h2c URL). */
  static forAddress(address: Address): GrpcSession {
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
    return new GrpcSession(transport, () => manager.abort());
  }

  /** A session served in memory by `routes`: no socket, for unit tests of drivers. */
  static inMemory(routes: (router: ConnectRouter) => void): GrpcSession {
    return new GrpcSession(createRouterTransport(routes));
  }

  /** Connects to `host` (socket path or URL) and checks the exporter answers. */
  static async open(host: string): Promise<{ session: GrpcSession; report: GetReportResponse }> {
    return await GrpcSession.attach(GrpcSession.forAddress(parseAddress(host)), host);
  }

  /** Asks a new session for the exporter's report, closing it if that fails. */
  static async attach(
    session: GrpcSession,
    host: string,
  ): Promise<{ session: GrpcSession; report: GetReportResponse }> {
    try {
      const report = await session.exporter.getReport({}, { timeoutMs: 10_000 });
      return { session, report };
    } catch (error) {
      await session.close();
      const reason = fromConnectError(error).message;
      throw new UnavailableError(`Cannot reach exporter at "${host}": ${reason}`);
    }
  }

  async call(uuid: string, method: string, args: unknown[]): Promise<JsonValue> {
    try {
      const response = await this.exporter.driverCall(
        { uuid, method, args: args.map((a, i) => encodeValue(a, `argument ${i + 1}`)) },
        { signal: this.#calls.signal },
      );
      return decodeValue(response.result);
    } catch (error) {
      throw fromConnectError(error);
    }
  }

  async *streamingCall(
    uuid: string,
    method: string,
    args: unknown[],
    signal?: AbortSignal,
  ): AsyncIterable<JsonValue> {
    const encoded = args.map((a, i) => encodeValue(a, `argument ${i + 1}`));
    const combined = signal ? AbortSignal.any([signal, this.#calls.signal]) : this.#calls.signal;
    try {
      for await (
        const response of this.exporter.streamingDriverCall({ uuid, method, args: encoded }, {
          signal: combined,
        })
      ) {
        yield decodeValue(response.result);
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw fromConnectError(error);
    }
  }

  openStream(uuid: string, method: string): Promise<Duplex> {
    const request = JSON.stringify({ kind: "driver", uuid, method });
    return Promise.resolve(this.#bidi(request, undefined).duplex);
  }

  async upload(
    uuid: string,
    source: ReadableStream<Uint8Array>,
    options: UploadOptions = {},
  ): Promise<Upload> {
    const request = JSON.stringify({
      kind: "resource",
      uuid,
      x_jmp_content_encoding: options.encoding ?? null,
    });
    let sent = 0;
    const counted = source.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          sent += chunk.byteLength;
          options.onProgress?.(sent, options.size);
          controller.enqueue(chunk);
        },
      }),
    );
    let gotHandle!: (handle: ResourceHandle) => void;
    const handle = new Promise<ResourceHandle>((resolve) => gotHandle = resolve);
    const { duplex, abort } = this.#bidi(request, (headers) => {
      const value = headers.get("resource");
      if (value) gotHandle(JSON.parse(value));
    });
    const done = (async () => {
      const drained = duplex.readable.pipeTo(new WritableStream());
      const [pushed, answered] = await Promise.allSettled([
        counted.pipeTo(duplex.writable),
        drained,
      ]);
      if (pushed.status === "rejected") throw pushed.reason;
      if (answered.status === "rejected") throw answered.reason;
      return sent;
    })();
    // The caller awaits `done` beside the driver call; never leave it unhandled meanwhile.
    done.catch(() => {});
    const failed = done.then(() => {
      throw new UnavailableError(
        "Upload ended before the exporter answered with a resource handle",
      );
    });
    try {
      return { handle: await Promise.race([handle, failed]), done };
    } catch (error) {
      abort();
      throw error;
    }
  }

  /** One RouterService.Stream call as a Duplex (PING frames skipped, GOAWAY = EOF). */
  #bidi(request: string, onHeader: ((headers: Headers) => void) | undefined) {
    const cancel = new AbortController();
    const signal = AbortSignal.any([cancel.signal, this.#calls.signal]);
    const outgoing = new TransformStream<Uint8Array, Uint8Array>(
      undefined,
      new CountQueuingStrategy({ highWaterMark: 4 }),
    );
    const responses = this.router.stream(framesFrom(outgoing.readable), {
      headers: { request },
      signal,
      onHeader,
    })[Symbol.asyncIterator]();
    const readable = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          while (true) {
            const next = await responses.next();
            if (next.done || next.value.frameType === FrameType.GOAWAY) {
              controller.close();
              return;
            }
            if (next.value.frameType === FrameType.RST_STREAM) {
              controller.error(new UnavailableError("The exporter reset the stream"));
              return;
            }
            if (next.value.frameType === FrameType.DATA && next.value.payload.byteLength > 0) {
              controller.enqueue(next.value.payload);
              return;
            }
          }
        } catch (error) {
          controller.error(
            signal.aborted ? new UnavailableError("Stream closed") : fromConnectError(error),
          );
        }
      },
      cancel() {
        cancel.abort();
      },
    }, new CountQueuingStrategy({ highWaterMark: 4 }));
    return { duplex: { readable, writable: outgoing.writable }, abort: () => cancel.abort() };
  }

  #closed = false;
  /** Cancels open calls and closes the HTTP/2 connection. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#calls.abort();
    this.onClose();
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
