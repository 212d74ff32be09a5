/**
 * The exporter's gRPC surface: jumpstarter.v1.ExporterService and the inner
 * RouterService.Stream for driver byte streams and resources (uploads and downloads).
 *
 * @module
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ExporterStatus, LogSource } from "../gen/jumpstarter/v1/common_pb.ts";
import {
  ExporterService,
  type LogStreamResponseSchema,
} from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { RouterService, type StreamRequest } from "../gen/jumpstarter/v1/router_pb.ts";
import { decodeValue, encodeValue } from "../driver/value.ts";
import type { Duplex } from "../driver/stream.ts";
import type { LogRecord } from "../log.ts";
import { type Frame, framesFrom, PING_FRAME, pumpFramesInto } from "../transport/frames.ts";
import { toConnectError } from "../transport/errors.ts";
import type { Exporter } from "./exporter.ts";
import { decompressor, ENCODINGS } from "../compression.ts";
import { CANCEL, type Cancellable } from "../driver/exports.ts";

const statusByState = {
  available: ExporterStatus.AVAILABLE,
  lease_ready: ExporterStatus.LEASE_READY,
  offline: ExporterStatus.OFFLINE,
} as const;

/** What the `request` metadata header of an inner Stream call asks for. */
type StreamTarget =
  | { kind: "driver"; uuid: string; method: string }
  | { kind: "resource"; uuid: string; encoding: string | null };

function parseStreamTarget(header: string | null): StreamTarget {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(header ?? "");
  } catch {
    throw new ConnectError(
      `Stream call needs a "request" header with JSON, got ${JSON.stringify(header)}`,
      Code.InvalidArgument,
    );
  }
  if (parsed?.kind === "driver" && typeof parsed.uuid === "string") {
    return {
      kind: "driver",
      uuid: parsed.uuid,
      method: typeof parsed.method === "string" ? parsed.method : "connect",
    };
  }
  if (parsed?.kind === "resource" && typeof parsed.uuid === "string") {
    const encoding = parsed.x_jmp_content_encoding;
    return {
      kind: "resource",
      uuid: parsed.uuid,
      encoding: typeof encoding === "string" ? encoding : null,
    };
  }
  throw new ConnectError(
    `Stream "request" header must be {"kind":"driver"|"resource","uuid":...}, got ${header}`,
    Code.InvalidArgument,
  );
}

/** Decompressors the exporter applies to uploads, by content encoding. */
function decoderFor(
  encoding: string | null,
): ReadableWritablePair<Uint8Array, Uint8Array> | undefined {
  if (encoding === null) return undefined;
  try {
    return decompressor(encoding);
  } catch (error) {
    if (error instanceof TypeError) {
      throw new ConnectError(
        `Upload content encoding "${encoding}" is not supported; send it uncompressed or as ${
          ENCODINGS.join(", ")
        }`,
        Code.InvalidArgument,
      );
    }
    throw error;
  }
}

function logResponse(record: LogRecord): MessageInitShape<typeof LogStreamResponseSchema> {
  return {
    uuid: record.uuid ?? "",
    severity: record.level.toUpperCase(),
    message: record.message,
    source: record.uuid ? LogSource.DRIVER : LogSource.SYSTEM,
    operation: record.source,
    timestamp: timestampFromDate(record.time),
  };
}

/**
 * Ends an iteration when `signal` aborts, even while the source is waiting;
 * a source with a `CANCEL` function is told to stop its work.
 */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const cancel = (source as Partial<Cancellable<T>>)[CANCEL];
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    const stop = () => {
      resolve({ done: true, value: undefined });
      cancel?.call(source);
    };
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
  });
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void iterator.return?.()?.catch?.(() => {});
  }
}

/** Serves a driver's duplex over an inner Stream call. */
async function* serveDuplex(
  duplex: Duplex,
  requests: AsyncIterable<Frame>,
  ctx: HandlerContext,
): AsyncGenerator<Frame> {
  yield PING_FRAME;
  pumpFramesInto(requests, duplex.writable).catch(() => {});
  yield* untilAborted(framesFrom(duplex.readable), ctx.signal);
}

/**
 * Serves a resource: what the client sends is (decompressed and) offered to
 * the driver method that gets the handle; what that method writes goes back
 * to the client, ending with GOAWAY once the method is done with it.
 */
async function* serveResource(
  exporter: Exporter,
  encoding: string | null,
  requests: AsyncIterable<StreamRequest>,
  ctx: HandlerContext,
): AsyncGenerator<Frame> {
  const decoder = decoderFor(encoding);
  const pipe = new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    new CountQueuingStrategy({ highWaterMark: 8 }),
  );
  const resource = exporter.resources.add(
    decoder ? pipe.readable.pipeThrough(decoder) : pipe.readable,
  );
  ctx.responseHeader.set("resource", JSON.stringify(resource.handle));
  const failOnAbort = () => resource.fail(new DOMException("The client left", "AbortError"));
  ctx.signal.addEventListener("abort", failOnAbort, { once: true });
  try {
    yield PING_FRAME;
    pumpFramesInto(requests, pipe.writable).catch((error) => resource.fail(error));
    yield* framesFrom(resource.outgoing);
  } finally {
    ctx.signal.removeEventListener("abort", failOnAbort);
    exporter.resources.delete(resource.handle.uuid);
  }
}

/** Registers the exporter's services on a Connect router. */
export function exporterRoutes(exporter: Exporter): (router: ConnectRouter) => void {
  const tree = exporter.tree;
  return (router) => {
    router.service(ExporterService, {
      getReport() {
        return {
          uuid: exporter.uuid,
          labels: exporter.labels(),
          reports: tree.report(),
          alternativeEndpoints: [],
          motd: exporter.config.description ?? "",
        };
      },
      async driverCall(request) {
        const args = request.args.map(decodeValue);
        try {
          const run = tree.method(request.uuid, request.method, "unary", args);
          return { uuid: request.uuid, result: encodeValue(await run(), "result") };
        } catch (error) {
          throw toConnectError(error);
        } finally {
          exporter.resources.release(args);
        }
      },
      async *streamingDriverCall(request, ctx) {
        const args = request.args.map(decodeValue);
        try {
          let results: AsyncIterable<unknown>;
          try {
            const run = tree.method(request.uuid, request.method, "streaming", args);
            results = run() as AsyncIterable<unknown>;
          } catch (error) {
            throw toConnectError(error);
          }
          try {
            for await (const result of untilAborted(results, ctx.signal)) {
              yield { uuid: request.uuid, result: encodeValue(result, "result") };
            }
          } catch (error) {
            throw toConnectError(error);
          }
        } finally {
          exporter.resources.release(args);
        }
      },
      async *logStream(_request, ctx) {
        const queue: LogRecord[] = [];
        let wake: (() => void) | undefined;
        const stop = exporter.followLogs((record) => {
          if (queue.length >= 1000) queue.shift();
          queue.push(record);
          wake?.();
        });
        const aborted = () => wake?.();
        ctx.signal.addEventListener("abort", aborted);
        try {
          while (!ctx.signal.aborted) {
            while (queue.length > 0) yield logResponse(queue.shift()!);
            await new Promise<void>((resolve) => wake = resolve);
            wake = undefined;
          }
        } finally {
          stop();
          ctx.signal.removeEventListener("abort", aborted);
        }
      },
      async reset() {
        try {
          await exporter.reset();
          return {};
        } catch (error) {
          throw toConnectError(error);
        }
      },
      getStatus() {
        return {
          status: statusByState[exporter.state],
          statusVersion: BigInt(exporter.statusVersion),
        };
      },
      endSession() {
        return { success: true };
      },
    });
    router.service(RouterService, {
      async *stream(requests, ctx) {
        const target = parseStreamTarget(ctx.requestHeader.get("request"));
        try {
          if (target.kind === "resource") {
            tree.get(target.uuid);
            yield* serveResource(exporter, target.encoding, requests, ctx);
            return;
          }
          const duplex = await (tree.method(target.uuid, target.method, "stream", [])() as Promise<
            Duplex
          >);
          yield* serveDuplex(duplex, requests, ctx);
        } catch (error) {
          throw toConnectError(error);
        }
      },
    });
  };
}
