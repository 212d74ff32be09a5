/**
 * The exporter's gRPC surface: jumpstarter.v1.ExporterService, its
 * LogStream (`log_stream.ts`) and the inner RouterService.Stream for driver
 * byte streams and resources (`stream_service.ts`). Dispatch into the
 * driver tree is shared with the fast local channel (`dispatch.ts`).
 *
 * @module
 */
import { sessionMotd } from "../config/exporter_config.ts";
import type { ConnectRouter } from "@connectrpc/connect";
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import { ExporterService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import { decodeValue, encodeValue } from "../driver/value.ts";
import { toConnectError } from "../transport/errors.ts";
import type { Exporter } from "./exporter.ts";
import { callDriver, streamDriver } from "./dispatch.ts";
import { logResponses } from "./log_stream.ts";
import { streamService } from "./stream_service.ts";

const statusByState = {
  available: ExporterStatus.AVAILABLE,
  lease_ready: ExporterStatus.LEASE_READY,
  offline: ExporterStatus.OFFLINE,
} as const;

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
          motd: sessionMotd(exporter.config),
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
      logStream(_request, ctx) {
        return logResponses(exporter, ctx.signal);
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
    router.service(RouterService, streamService(exporter));
  };
}
