/**
 * The exporter's gRPC surface: jumpstarter.v1.ExporterService and the inner
 * RouterService.Stream for driver byte streams and resources (uploads and downloads).
 * Dispatch into the driver tree is shared with the fast local channel (`dispatch.ts`).
 *
 * @module
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ExporterStatus, LogSource } from "../gen/jumpstarter/v1/common_pb.ts";
import {
  ExporterService,
  type LogStreamResponseSchema,
} from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { FrameType, RouterService, type StreamRequest } from "../gen/jumpstarter/v1/router_pb.ts";
import { decodeValue, encodeValue } from "../driver/value.ts";
import type { Duplex } from "../driver/stream.ts";
import type { LogRecord } from "../log.ts";
import {
  type Frame,
  framesFrom,
  GOAWAY_FRAME,
  MAX_FRAME,
  PING_FRAME,
  pumpFramesInto,
} from "../transport/frames.ts";
import { toConnectError } from "../transport/errors.ts";
import type { Exporter } from "./exporter.ts";
import { callDriver, openDriverStream, openResource, streamDriver } from "./dispatch.ts";
import { parseStreamTarget } from "./stream_target.ts";

const statusByState = {
  available: ExporterStatus.AVAILABLE,
  lease_ready: ExporterStatus.LEASE_READY,
  offline: ExporterStatus.OFFLINE,
} as const;

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
 * Serves a driver's duplex over an inner Stream call. A client that leaves
 * cancels the driver's readable at once, not when it next produces data.
 */
async function* serveDuplex(
  duplex: Duplex,
  requests: AsyncIterable<Frame>,
  ctx: HandlerContext,
): AsyncGenerator<Frame> {
  yield PING_FRAME;
  pumpFramesInto(requests, duplex.writable).catch(() => {});
  const reader = duplex.readable.getReader();
  const cancel = () =>
    void reader.cancel(new DOMException("The client left", "AbortError")).catch(() => {});
  if (ctx.signal.aborted) cancel();
  ctx.signal.addEventListener("abort", cancel, { once: true });
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done || ctx.signal.aborted) break;
      for (let offset = 0; offset < value.byteLength; offset += MAX_FRAME) {
        const payload = offset === 0 && value.byteLength <= MAX_FRAME
          ? value
          : value.subarray(offset, offset + MAX_FRAME);
        yield { payload, frameType: FrameType.DATA };
      }
    }
    if (!ctx.signal.aborted) yield GOAWAY_FRAME;
  } finally {
    ctx.signal.removeEventListener("abort", cancel);
    // Not awaited: a consumer that stopped early (the call ended) cancels the driver's side.
    if (!ctx.signal.aborted) void reader.cancel().catch(() => {});
  }
}

/**
 * Serves a resource: what the client sends is (decompressed and) offered to
 * the driver method that gets the handle; what that method writes goes back
 * to the client, ending with GOAWAY once the method is done with it.
 */
async function* serveResource(
  exporter: Exporter,
  target: { uuid: string; encoding: string | null },
  requests: AsyncIterable<StreamRequest>,
  ctx: HandlerContext,
): AsyncGenerator<Frame> {
  const pipe = new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    new CountQueuingStrategy({ highWaterMark: 8 }),
  );
  const resource = openResource(exporter, target, pipe.readable);
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

/** Options of `exporterRoutes`. */
export interface RoutesOptions {
  /** Labels added to the exporter's own in GetReport (e.g. the fast-path offer). */
  labels?: Record<string, string>;
}

/** Registers the exporter's services on a Connect router. */
export function exporterRoutes(
  exporter: Exporter,
  options: RoutesOptions = {},
): (router: ConnectRouter) => void {
  const tree = exporter.tree;
  return (router) => {
    router.service(ExporterService, {
      getReport() {
        return {
          uuid: exporter.uuid,
          labels: { ...exporter.labels(), ...options.labels },
          reports: tree.report(),
          alternativeEndpoints: [],
          motd: exporter.config.description ?? "",
        };
      },
      async driverCall(request) {
        try {
          const result = await callDriver(
            exporter,
            request.uuid,
            request.method,
            request.args.map(decodeValue),
          );
          return { uuid: request.uuid, result: encodeValue(result, "result") };
        } catch (error) {
          throw toConnectError(error);
        }
      },
      async *streamingDriverCall(request, ctx) {
        const args = request.args.map(decodeValue);
        try {
          for await (
            const result of streamDriver(exporter, request.uuid, request.method, args, ctx.signal)
          ) {
            yield { uuid: request.uuid, result: encodeValue(result, "result") };
          }
        } catch (error) {
          throw toConnectError(error);
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
        try {
          const target = parseStreamTarget(ctx.requestHeader.get("request"));
          if (target.kind === "resource") {
            yield* serveResource(exporter, target, requests, ctx);
            return;
          }
          const duplex = await openDriverStream(exporter, target.uuid, target.method);
          yield* serveDuplex(duplex, requests, ctx);
        } catch (error) {
          throw toConnectError(error);
        }
      },
    });
  };
}
