/**
 * The exporter's inner RouterService.Stream: a driver's byte stream or a
 * resource (an upload or download) carried as frames of a gRPC Stream, the
 * `request` header saying which.
 *
 * @module
 */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  FrameType,
  type RouterService,
  type StreamRequest,
} from "../gen/jumpstarter/v1/router_pb.ts";
import type { Duplex } from "../driver/stream.ts";
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
import { openDriverStream, openResource } from "./dispatch.ts";
import { parseStreamTarget } from "./stream_target.ts";

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

/** The RouterService implementation that serves `exporter`'s streams and resources. */
export function streamService(exporter: Exporter): Partial<ServiceImpl<typeof RouterService>> {
  return {
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
  };
}
