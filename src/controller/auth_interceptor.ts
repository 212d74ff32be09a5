/**
 * The controller's interceptor: every call but the router's is
 * authenticated by its bearer token and checked to come from the right kind
 * of identity (exporter or client); errors are mapped to the controller's
 * status codes and every call is counted for `/metrics`.
 *
 * @module
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import type { Controller } from "./controller.ts";
import { controllerError, mapStreamErrors } from "./controller_error.ts";
import { callerKey } from "./controller_service.ts";
import type { RpcStats } from "./metrics.ts";
import type { Kind } from "./model.ts";

const exporterMethods = new Set(["Register", "Unregister", "ReportStatus", "Listen", "Status"]);

function requiredKind(service: string, method: string): Kind | undefined {
  if (service === "jumpstarter.client.v1.ClientService") return "Client";
  if (service === "jumpstarter.v1.ControllerService") {
    if (method === "GetServiceEndpoints") return undefined;
    return exporterMethods.has(method) ? "Exporter" : "Client";
  }
  return undefined;
}

/** Authenticates every call, maps its errors and counts it in `stats`. */
export function authInterceptor(controller: Controller, stats: RpcStats): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const name = `${req.service.typeName.replace(/^jumpstarter\./, "")}/${req.method.name}`;
    let failed = false;
    try {
      const kind = requiredKind(req.service.typeName, req.method.name);
      if (req.service.typeName !== RouterService.typeName) {
        const token = req.header.get("authorization")?.replace(/^Bearer\s+/i, "");
        const identity = await controller.authenticate(token, {
          kind: req.header.get("jumpstarter-kind"),
          namespace: req.header.get("jumpstarter-namespace"),
          name: req.header.get("jumpstarter-name"),
        });
        if (kind && identity.kind !== kind) {
          throw new ConnectError(
            `${req.method.name} is for ${kind.toLowerCase()}s; this token belongs to ${identity.kind.toLowerCase()} "${identity.name}"`,
            Code.PermissionDenied,
          );
        }
        req.contextValues.set(callerKey, identity);
      }
      const res = await next(req);
      if (res.stream) return { ...res, message: mapStreamErrors(res.message) };
      return res;
    } catch (error) {
      failed = true;
      throw controllerError(error);
    } finally {
      stats.record(name, (performance.now() - started) / 1000, failed);
    }
  };
}
