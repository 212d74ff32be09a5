/**
 * jumpstarter.v1.ControllerService: what exporters call (Register, Status,
 * Listen, ReportStatus, Unregister) and the upstream lease calls of clients
 * (RequestLease, GetLease, ReleaseLease, ListLeases, Dial).
 *
 * @module
 */
import { type ConnectRouter, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ControllerService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { FailedPreconditionError } from "../driver/errors.ts";
import { Mailbox } from "../transport/mailbox.ts";
import type { Controller } from "./controller.ts";
import type { DialRequest, StatusUpdate } from "./exporter_links.ts";
import type { Identity } from "./model.ts";
import type { PeerSession } from "./session_pings.ts";
import { AuthError } from "./auth_error.ts";
import {
  conditionMessage,
  durationMs,
  reportFromWire,
  selectorFromWire,
  selectorToWire,
  statusName,
} from "./convert.ts";
import { plannedEnd } from "./model.ts";

/** The authenticated caller, set by the auth interceptor. */
export const callerKey = createContextKey<Identity | undefined>(undefined);

/** The HTTP/2 session a call came on (set by the server for each request). */
export const sessionKey = createContextKey<PeerSession | undefined>(undefined);

/** The caller of a handler (the interceptor guarantees one). */
export function caller(ctx: HandlerContext): Identity {
  const identity = ctx.values.get(callerKey);
  if (!identity) throw new Error("Handler reached without an authenticated caller");
  return identity;
}

/** Where clients and exporters reach the router: one address per stream. */
export interface RouterEndpoint {
  next(): string;
}

/** Registers ControllerService on a router. */
export function controllerRoutes(
  controller: Controller,
  endpoint: RouterEndpoint,
): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ControllerService, {
      async register(request, ctx) {
        const record = await controller.register(
          caller(ctx),
          request.labels,
          request.reports.map(reportFromWire),
        );
        return { uuid: `${caller(ctx).uid}` || record.name };
      },
      async unregister(request, ctx) {
        const me = caller(ctx);
        await controller.markOffline(me.namespace, me.name, request.reason || "it unregistered");
        return {};
      },
      async reportStatus(request, ctx) {
        await controller.reportStatus(
          caller(ctx),
          statusName(request.status),
          request.message ?? "",
          request.releaseLease ?? false,
        );
        return {};
      },
      async *status(_request, ctx) {
        const mailbox = new Mailbox<StatusUpdate>();
        const me = caller(ctx);
        const revoked = cutWhenGone(controller, me, mailbox);
        const detach = controller.attachStatus(
          me,
          (update) => mailbox.push(update),
          ctx.values.get(sessionKey),
        );
        try {
          for await (const update of mailbox.drain(ctx.signal)) {
            yield {
              leased: update.leased,
              leaseName: update.leaseName,
              clientName: update.clientName,
            };
          }
          revoked.check();
        } finally {
          revoked.stop();
          detach();
        }
      },
      async *listen(request, ctx) {
        const mailbox = new Mailbox<DialRequest>();
        const detach = controller.attachListen(
          caller(ctx),
          request.leaseName,
          (dial) => mailbox.push(dial),
        );
        const stopOnEnd = controller.onLeaseEnd((lease) => {
          if (lease.name === request.leaseName && lease.namespace === caller(ctx).namespace) {
            mailbox.close();
          }
        });
        const revoked = cutWhenGone(controller, caller(ctx), mailbox);
        try {
          yield* mailbox.drain(ctx.signal);
          revoked.check();
        } finally {
          revoked.stop();
          stopOnEnd();
          detach();
        }
      },
      async dial(request, ctx) {
        const me = caller(ctx);
        const lease = controller.getLease(me.namespace, request.leaseName, me);
        if (!controller.leaseActive(lease.namespace, lease.name)) {
          throw new FailedPreconditionError(
            lease.ended
              ? `Lease "${lease.name}" has ended`
              : `Lease "${lease.name}" is not ready yet`,
          );
        }
        const streamId = crypto.randomUUID();
        const exporterToken = await controller.authority.issueStreamToken(
          streamId,
          lease,
          "exporter",
        );
        const clientToken = await controller.authority.issueStreamToken(streamId, lease, "client");
        // Both sides of one stream must meet at the same router address.
        const routerEndpoint = endpoint.next();
        await controller.dial(lease, { routerEndpoint, routerToken: exporterToken });
        return { routerEndpoint, routerToken: clientToken };
      },
      getLease(request, ctx) {
        const me = caller(ctx);
        const lease = controller.getLease(me.namespace, request.name, me);
        const end = lease.endTime ? Date.parse(lease.endTime) : plannedEnd(lease);
        return {
          duration: durationFromMs(lease.durationMs),
          selector: selectorToWire(lease.selector),
          beginTime: lease.effectiveBeginTime
            ? timestampFromDate(new Date(lease.effectiveBeginTime))
            : undefined,
          endTime: end !== undefined ? timestampFromDate(new Date(end)) : undefined,
          exporterUuid: lease.exporter,
          conditions: lease.conditions.map(conditionMessage),
        };
      },
      async requestLease(request, ctx) {
        const lease = await controller.createLease(caller(ctx), {
          selector: selectorFromWire(request.selector),
          durationMs: durationMs(request.duration),
        });
        return { name: lease.name };
      },
      async releaseLease(request, ctx) {
        const me = caller(ctx);
        await controller.releaseLease(me.namespace, request.name, me);
        return {};
      },
      listLeases(_request, ctx) {
        const me = caller(ctx);
        return {
          names: controller.listLeases(me.namespace, { activeOnly: true, client: me.name }).map((
            l,
          ) => l.name),
        };
      },
      getServiceEndpoints() {
        return { telemetryEndpoints: [] };
      },
    });
  };
}

/** Closes `mailbox` when `identity` is deleted; `check()` then ends the stream as UNAUTHENTICATED. */
function cutWhenGone(
  controller: Controller,
  identity: Identity,
  mailbox: { close(): void },
): { check(): void; stop(): void } {
  let gone = false;
  const stop = controller.onIdentityGone((kind, namespace, name) => {
    if (kind === identity.kind && namespace === identity.namespace && name === identity.name) {
      gone = true;
      mailbox.close();
    }
  });
  return {
    check() {
      if (gone) throw new AuthError(`Token revoked: ${identity.kind.toLowerCase()} was deleted`);
    },
    stop: () => void stop(),
  };
}
