/**
 * The gRPC half of a client session (ExporterService and the inner
 * RouterService.Stream, as upstream speaks them), loaded only when a
 * session needs it: a session on the fast local channel never does for its
 * calls and streams, so driver commands start without the HTTP/2 and
 * protobuf stack.
 *
 * @module
 */
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  DriverCallRequestSchema,
  DriverCallResponseSchema,
  ExporterService,
  type GetReportResponse,
} from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import { decodeValue, fromJsonValue } from "../driver/value.ts";
import type { JsonValue } from "../driver/json_value.ts";
import { argsValue } from "../driver/json_value.ts";
import type { Duplex } from "../driver/stream.ts";
import type { ResourceHandle } from "../driver/resource_handle.ts";
import { UnavailableError } from "../driver/errors.ts";
import { DriverError } from "../driver/driver_error.ts";
import { fromConnectError } from "../transport/errors.ts";
import { readAhead } from "../transport/read_ahead.ts";
import type { Download, Upload, UploadOptions } from "./resource_transfer.ts";
import { routerStreamDuplex } from "./router_stream_duplex.ts";
import type { RawGrpc } from "./grpc_raw.ts";
import { rawStreamDuplex } from "./raw_stream_duplex.ts";

const DRIVER_CALL = "/jumpstarter.v1.ExporterService/DriverCall";

/** ExporterService and RouterService clients over one transport, with the session's calls signal. */
export class GrpcLink {
  readonly exporter: Client<typeof ExporterService>;
  readonly router: Client<typeof RouterService>;

  /**
   * With `raw` (a transport to an address), DriverCall and driver byte
   * streams go straight on its HTTP/2 session (`grpc_raw.ts`,
   * `raw_stream_duplex.ts`); the same bytes as through Connect.
   */
  constructor(transport: Transport, readonly signal: AbortSignal, readonly raw?: RawGrpc) {
    this.exporter = createClient(ExporterService, transport);
    this.router = createClient(RouterService, transport);
  }

  /** The exporter's report; an unreachable exporter is an UnavailableError naming `host`. */
  async report(host: string): Promise<GetReportResponse> {
    try {
      return await this.exporter.getReport({}, { timeoutMs: 10_000 });
    } catch (error) {
      const reason = fromConnectError(error).message;
      if (error instanceof ConnectError && error.code === Code.Unauthenticated) {
        throw new DriverError(
          "unauthenticated",
          `Exporter at "${host}" refused the connection: ${reason}; give the passphrase it was started with (--passphrase)`,
        );
      }
      const hint = /certificate/i.test(reason) && host.startsWith("https:")
        ? "; trust it with --tls-fingerprint (the exporter prints it) or --ca FILE"
        : "";
      throw new UnavailableError(`Cannot reach exporter at "${host}": ${reason}${hint}`);
    }
  }

  async call(uuid: string, method: string, args: unknown[]): Promise<JsonValue> {
    if (this.raw) {
      try {
        const request = create(DriverCallRequestSchema, {
          uuid,
          method,
          args: argsValue(args).map(fromJsonValue),
        });
        const answer = await this.raw.unary(
          DRIVER_CALL,
          toBinary(DriverCallRequestSchema, request),
          this.signal,
        );
        return decodeValue(fromBinary(DriverCallResponseSchema, answer).result);
      } catch (error) {
        throw fromConnectError(error);
      }
    }
    try {
      const response = await this.exporter.driverCall(
        { uuid, method, args: argsValue(args).map(fromJsonValue) },
        { signal: this.signal },
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
    const encoded = argsValue(args).map(fromJsonValue);
    // Ends the call on the exporter when the consumer stops iterating early.
    const own = new AbortController();
    const combined = AbortSignal.any([own.signal, this.signal, ...(signal ? [signal] : [])]);
    const responses = this.exporter.streamingDriverCall({ uuid, method, args: encoded }, {
      signal: combined,
    });
    try {
      for await (const response of readAhead(responses)) {
        yield decodeValue(response.result);
      }
    } catch (error) {
      if (signal?.aborted || own.signal.aborted) return;
      throw fromConnectError(error);
    } finally {
      own.abort();
    }
  }

  /** Resolves once the exporter accepted the stream, so an open failure rejects here. */
  async openStream(uuid: string, method: string): Promise<Duplex> {
    const request = JSON.stringify({ kind: "driver", uuid, method });
    const { duplex, opened, abort } = this.raw
      ? rawStreamDuplex(this.raw, this.signal, request)
      : this.#bidi(request, undefined);
    try {
      await opened;
    } catch (error) {
      abort();
      throw error;
    }
    return duplex;
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

  /** Opens a resource the driver writes into; its bytes arrive on `readable`. */
  async download(uuid: string): Promise<Download> {
    const request = JSON.stringify({ kind: "resource", uuid, x_jmp_content_encoding: null });
    let handle: ResourceHandle | undefined;
    const { duplex, opened, abort } = this.#bidi(request, (headers) => {
      const value = headers.get("resource");
      if (value) handle = JSON.parse(value);
    });
    // Nothing to send: half-close at once (the exporter keeps its side open for the driver).
    duplex.writable.close().catch(() => {});
    try {
      await opened;
      if (!handle) throw new UnavailableError("The exporter answered without a resource handle");
    } catch (error) {
      abort();
      throw error;
    }
    return { handle, readable: duplex.readable };
  }

  /** One RouterService.Stream call on this link, cancelled with the session's calls. */
  #bidi(request: string, onHeader: ((headers: Headers) => void) | undefined) {
    return routerStreamDuplex(this.router, this.signal, request, onHeader);
  }
}
