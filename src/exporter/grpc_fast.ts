/**
 * The exporter's two hot gRPC methods served straight on node:http2, ahead
 * of Connect (`serveUnix`'s fast routes): ExporterService.DriverCall and the
 * driver byte streams of RouterService.Stream. The bytes on the wire are
 * the same as Connect's (`src/transport/grpc_wire.ts`); what is saved is
 * Connect's per-message pipeline (async iterables, a protobuf writer
 * copying each payload twice, abort signals per call). Anything else (a
 * resource stream, a bad `request` header, a compressed request) goes to
 * the Connect service in `service.ts`, which gives the same answers.
 *
 * @module
 */
import type * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  DriverCallRequestSchema,
  DriverCallResponseSchema,
} from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { FrameType } from "../gen/jumpstarter/v1/router_pb.ts";
import { decodeValue, encodeValue } from "../driver/value.ts";
import type { Duplex } from "../driver/stream.ts";
import { toConnectError } from "../transport/errors.ts";
import { MAX_FRAME, StreamResetError } from "../transport/frames.ts";
import {
  beginResponse,
  decodeFrame,
  drained,
  endResponse,
  envelope,
  frameEnvelope,
  GrpcWireError,
  MessageReader,
  readUnary,
  statusTrailers,
} from "../transport/grpc_wire.ts";
import type { FastRoutes } from "../transport/server.ts";
import type { Exporter } from "./exporter.ts";
import { callDriver, openDriverStream } from "./dispatch.ts";
import { parseStreamTarget, type StreamTarget } from "./stream_target.ts";

type Request = http2.Http2ServerRequest;
type Response = http2.Http2ServerResponse;

/** The fast routes of `exporter`'s gRPC socket. */
export function exporterFastRoutes(exporter: Exporter): FastRoutes {
  return new Map([
    ["/jumpstarter.v1.ExporterService/DriverCall", (req: Request, res: Response) => {
      void serveDriverCall(exporter, req, res);
      return true;
    }],
    ["/jumpstarter.v1.RouterService/Stream", (req: Request, res: Response) => {
      let target: StreamTarget;
      try {
        target = parseStreamTarget(headerText(req.headers["request"]));
      } catch {
        return false; // Connect's service answers with the same error
      }
      if (target.kind !== "driver") return false;
      void serveDriverStream(exporter, target, req, res);
      return true;
    }],
  ]);
}

function headerText(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? value.join(", ") : value ?? null;
}

/** Ends the call with `error`'s status. */
function fail(res: Response, error: unknown): void {
  if (error instanceof GrpcWireError) return endResponse(res, error.code, error.message);
  const connect = toConnectError(error);
  endResponse(res, connect.code, connect.rawMessage);
}

/** Decodes a DriverCallRequest; a malformed one is INTERNAL "parse binary: ...", as Connect says it. */
function parseRequest(bytes: Uint8Array) {
  try {
    return fromBinary(DriverCallRequestSchema, bytes);
  } catch (error) {
    throw new GrpcWireError(13, `parse binary: ${(error as Error).message}`);
  }
}

async function serveDriverCall(exporter: Exporter, req: Request, res: Response): Promise<void> {
  try {
    const request = parseRequest(await readUnary(req));
    const result = await callDriver(
      exporter,
      request.uuid,
      request.method,
      request.args.map(decodeValue),
    );
    const response = create(DriverCallResponseSchema, {
      uuid: request.uuid,
      result: encodeValue(result, "result"),
    });
    if (res.destroyed) return;
    beginResponse(res);
    res.write(envelope(toBinary(DriverCallResponseSchema, response)));
    res.addTrailers(statusTrailers(0));
    res.end();
  } catch (error) {
    fail(res, error);
  }
}

/**
 * Serves a driver's duplex as upstream's exporter does: a PING frame once
 * the driver accepted, DATA frames each way, GOAWAY at the end of each
 * direction, RST_STREAM as an error. A client that leaves cancels the
 * driver's readable at once.
 */
async function serveDriverStream(
  exporter: Exporter,
  target: { uuid: string; method: string },
  req: Request,
  res: Response,
): Promise<void> {
  let duplex: Duplex;
  try {
    duplex = await openDriverStream(exporter, target.uuid, target.method);
  } catch (error) {
    req.resume();
    fail(res, error);
    return;
  }
  const reader = duplex.readable.getReader();
  let left = false;
  let ended = false;
  const leave = () => {
    if (ended) return;
    left = true;
    void reader.cancel(new DOMException("The client left", "AbortError")).catch(() => {});
  };
  res.once("close", leave);
  if (res.destroyed) leave();
  pumpRequest(req, duplex.writable);
  beginResponse(res);
  res.write(frameEnvelope(new Uint8Array(0), FrameType.PING));
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done || left) break;
      for (let offset = 0; offset < value.byteLength; offset += MAX_FRAME) {
        const payload = offset === 0 && value.byteLength <= MAX_FRAME
          ? value
          : value.subarray(offset, offset + MAX_FRAME);
        if (payload.byteLength === 0) continue;
        if (!res.write(frameEnvelope(payload, FrameType.DATA))) await drained(res);
        if (left) break;
      }
    }
    if (left) return;
    res.write(frameEnvelope(new Uint8Array(0), FrameType.GOAWAY));
    ended = true;
    res.addTrailers(statusTrailers(0));
    res.end();
  } catch (error) {
    ended = true;
    if (!left) fail(res, error);
  } finally {
    res.off("close", leave);
    if (!left) void reader.cancel().catch(() => {});
  }
}

/**
 * Writes the DATA payloads of the request's frames to the driver's writable,
 * pausing the request while the driver is behind; closes it on GOAWAY or at
 * the request's end, aborts it on RST_STREAM, a malformed frame or a reset.
 */
function pumpRequest(req: Request, writable: WritableStream<Uint8Array>): void {
  const writer = writable.getWriter();
  const messages = new MessageReader();
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    req.off("data", onData);
    try {
      if (!req.destroyed) req.resume(); // what still arrives is read and dropped
    } catch { /* the stream is gone: nothing more arrives */ }
    if (error === undefined) writer.close().catch(() => {});
    else writer.abort(error).catch(() => {});
  };
  const onData = (chunk: Uint8Array) => {
    try {
      for (const message of messages.push(chunk)) {
        const frame = decodeFrame(message);
        if (frame.frameType === FrameType.DATA) {
          if (frame.payload.byteLength > 0) writer.write(frame.payload).catch(finish);
        } else if (frame.frameType === FrameType.GOAWAY) {
          return finish();
        } else if (frame.frameType === FrameType.RST_STREAM) {
          return finish(new StreamResetError());
        }
      }
    } catch (error) {
      return finish(error);
    }
    if ((writer.desiredSize ?? 1) <= 0) {
      req.pause();
      writer.ready.then(() => {
        if (!finished) req.resume();
      }, finish);
    }
  };
  req.on("data", onData);
  req.once("end", () => finish());
  // A request closed before its end (its client left or reset it) aborts the driver's side.
  const left = () => finish(new DOMException("The client left", "AbortError"));
  req.once("aborted", left);
  req.once("close", left);
  req.once("error", (error) => finish(error));
}
