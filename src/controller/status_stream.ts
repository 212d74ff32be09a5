/**
 * ControllerService.Status served straight on node:http2, ahead of Connect.
 * Every connected exporter holds one of these streams for as long as it
 * runs, so a controller of 30,000 exporters holds 30,000 of them. Through
 * Connect each cost about 45 KB of live heap (async generators, promises,
 * abort signals, a Headers object and the adapter's pipes); here one is a
 * few closures on the HTTP/2 stream. The bytes on the wire are Connect's
 * (`src/transport/grpc_wire.ts`), and the caller is authenticated, checked
 * to be an exporter and counted in `/metrics` as the interceptor does. A
 * request this does not cover (a deadline, gRPC-Web, the Connect protocol, a
 * compressed body) is left to the Connect service, which answers the same.
 *
 * @module
 */
import type * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { StatusRequestSchema, StatusResponseSchema } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import {
  beginResponse,
  endResponse,
  envelope,
  GrpcWireError,
  isPlainGrpc,
  readUnary,
} from "../transport/grpc_wire.ts";
import { AuthError } from "./auth_error.ts";
import type { Controller } from "./controller.ts";
import { controllerError } from "./controller_error.ts";
import type { StatusUpdate } from "./exporter_links.ts";
import type { RpcStats } from "./metrics.ts";
import type { Identity } from "./model.ts";

/** The path of ControllerService.Status. */
export const STATUS_PATH = "/jumpstarter.v1.ControllerService/Status";

/** Takes the request if it is plain gRPC without a deadline; false leaves it to Connect. */
export function serveStatus(
  controller: Controller,
  stats: RpcStats,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
): boolean {
  if (!isPlainGrpc(req.headers) || req.headers["grpc-timeout"] !== undefined) return false;
  void run(controller, stats, req, res);
  return true;
}

function header(req: http2.Http2ServerRequest, name: string): string | null {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value ?? null;
}

/** Ends the call with `error`'s status, as the controller maps errors. */
function fail(res: http2.Http2ServerResponse, error: unknown): void {
  if (error instanceof GrpcWireError) return endResponse(res, error.code, error.message);
  const connect = controllerError(error);
  endResponse(res, connect.code, connect.rawMessage);
}

async function run(
  controller: Controller,
  stats: RpcStats,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
): Promise<void> {
  const started = performance.now();
  let me: Identity;
  try {
    const token = header(req, "authorization")?.replace(/^Bearer\s+/i, "");
    me = await controller.authenticate(token, {
      kind: header(req, "jumpstarter-kind"),
      namespace: header(req, "jumpstarter-namespace"),
      name: header(req, "jumpstarter-name"),
    });
    if (me.kind !== "Exporter") {
      throw new GrpcWireError(
        Code.PermissionDenied,
        `Status is for exporters; this token belongs to ${me.kind.toLowerCase()} "${me.name}"`,
      );
    }
    const request = await readUnary(req);
    try {
      fromBinary(StatusRequestSchema, request);
    } catch (error) {
      throw new GrpcWireError(Code.Internal, `parse binary: ${(error as Error).message}`);
    }
  } catch (error) {
    stats.record("v1.ControllerService/Status", (performance.now() - started) / 1000, true);
    if (!req.readableEnded) req.resume();
    fail(res, error);
    return;
  }
  stats.record("v1.ControllerService/Status", (performance.now() - started) / 1000, false);
  if (res.destroyed) return;
  follow(controller, me, req, res);
}

/** Streams `me`'s lease assignments until the exporter leaves or its identity is deleted. */
function follow(
  controller: Controller,
  me: Identity,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
): void {
  beginResponse(res);
  let open = true;
  const sink = (update: StatusUpdate) => {
    if (!open) return;
    const message = create(StatusResponseSchema, {
      leased: update.leased,
      leaseName: update.leaseName,
      clientName: update.clientName,
    });
    // A few bytes, a few times per lease: no backpressure is needed.
    res.write(envelope(toBinary(StatusResponseSchema, message)));
  };
  const end = (error?: unknown) => {
    if (!open) return;
    open = false;
    res.off("close", left);
    stopWatching();
    detach();
    if (error !== undefined) fail(res, error);
  };
  const left = () => end();
  res.once("close", left);
  const stopWatching = controller.onIdentityGone((kind, namespace, name) => {
    if (kind === me.kind && namespace === me.namespace && name === me.name) {
      end(new AuthError(`Token revoked: ${me.kind.toLowerCase()} was deleted`));
    }
  });
  const detach = controller.attachStatus(me, sink, req.stream?.session);
  if (res.destroyed) end();
}
