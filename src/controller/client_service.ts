/**
 * jumpstarter.client.v1.ClientService: exporters and leases for clients.
 *
 * @module
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ClientService } from "../gen/jumpstarter/client/v1/client_pb.ts";
import type { Controller } from "./controller.ts";
import { caller } from "./controller_service.ts";
import {
  CONTEXT,
  durationMs,
  exporterMessage,
  leaseMessage,
  parseResourceName,
} from "./convert.ts";
import { matches } from "./selector_match.ts";
import { parseSelector } from "./selector.ts";
import { NotFoundError } from "./errors.ts";
import { rotateIdentity } from "./admin.ts";
import { pageOf } from "./paging.ts";
import type { AccessPolicy, Identity } from "./model.ts";
import { clientNameOf } from "./lease_transfer.ts";

/** True when an access policy admitting `me` lets it see every client's leases. */
export function mayViewAllLeases(policies: AccessPolicy[], me: Identity): boolean {
  return policies.some((p) =>
    p.viewAllLeases && matches(parseSelector(p.clientSelector), me.labels)
  );
}

function namespaceOf(parent: string, fallback: string): string {
  const m = parent.match(/^namespaces\/([^/]+)$/);
  if (parent && !m) throw new TypeError(`Invalid parent "${parent}": use namespaces/NS`);
  return m ? m[1] : fallback;
}

/** Registers ClientService on a router. */
export function clientRoutes(controller: Controller): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ClientService, {
      getExporter(request, ctx) {
        const me = caller(ctx);
        const { namespace, name } = parseResourceName(request.name, "exporters", me.namespace);
        const record = controller.exporters.get(`${namespace}/${name}`);
        if (!record || namespace !== me.namespace) {
          throw new NotFoundError(`No exporter named "${name}"`);
        }
        return exporterMessage(record, controller.exporterDisabled(record));
      },
      listExporters(request, ctx) {
        const me = caller(ctx);
        const namespace = namespaceOf(request.parent, me.namespace);
        if (namespace !== me.namespace) return { exporters: [] };
        const filter = parseSelector(request.filter);
        const { page, nextPageToken } = pageOf(
          [...controller.exporters.values()]
            .filter((e) => e.namespace === namespace && matches(filter, e.labels)),
          (e) => e.name,
          request.pageSize,
          request.pageToken,
        );
        return {
          nextPageToken,
          exporters: page.map((e) => {
            const message = exporterMessage(e, controller.exporterDisabled(e));
            const lease = controller.activeLeaseOf(e);
            if (lease) {
              message.deprecatedLabels = {
                "jumpstarter.dev/lease": lease.name,
                "jumpstarter.dev/client": lease.client,
              };
            }
            return message;
          }),
        };
      },
      getLease(request, ctx) {
        const me = caller(ctx);
        const { namespace, name } = parseResourceName(request.name, "leases", me.namespace);
        const lease = controller.getLease(namespace, name, me);
        controller.clientAlive(lease);
        return leaseMessage(lease, controller.estimateStart(lease));
      },
      listLeases(request, ctx) {
        const me = caller(ctx);
        const namespace = namespaceOf(request.parent, me.namespace);
        const filter = parseSelector(request.filter);
        const tagFilter = parseSelector(request.tagFilter);
        const leases = controller
          .listLeases(namespace, {
            activeOnly: request.onlyActive ?? true,
            client: mayViewAllLeases(controller.policies, me) ? undefined : me.name,
          })
          .filter((l) => matches(filter, l.labels) && matches(tagFilter, l.tags));
        const { page, nextPageToken } = pageOf(
          leases,
          (l) => l.name,
          request.pageSize,
          request.pageToken,
        );
        return {
          leases: page.map((l) => leaseMessage(l, controller.estimateStart(l))),
          nextPageToken,
        };
      },
      async createLease(request, ctx) {
        const me = caller(ctx);
        const spec = request.lease;
        if (!spec) throw new TypeError("CreateLease needs a lease");
        const lease = await controller.createLease(me, {
          name: request.leaseId || undefined,
          selector: parseSelector(spec.selector),
          exporterName: spec.exporterName || undefined,
          durationMs: durationMs(spec.duration),
          beginTime: spec.beginTime ? timestampDate(spec.beginTime) : undefined,
          requeueOnExporterLoss: spec.context[CONTEXT.requeue] === "true",
          clientKeepalive: spec.context[CONTEXT.keepalive] === "true",
          tags: spec.tags,
          context: spec.context,
          allowDisabled: spec.allowDisabled,
        });
        return leaseMessage(lease, controller.estimateStart(lease));
      },
      async updateLease(request, ctx) {
        const me = caller(ctx);
        const spec = request.lease;
        if (!spec) throw new TypeError("UpdateLease needs a lease");
        const { namespace, name } = parseResourceName(spec.name, "leases", me.namespace);
        const paths = request.updateMask?.paths ?? ["duration"];
        const lease = await controller.updateLease(namespace, name, me, {
          durationMs: paths.includes("duration") ? durationMs(spec.duration) : undefined,
          beginTime: paths.includes("begin_time") && spec.beginTime
            ? timestampDate(spec.beginTime)
            : undefined,
          toClient: paths.includes("client")
            ? clientNameOf(spec.client ?? "", namespace)
            : undefined,
        });
        return leaseMessage(lease, controller.estimateStart(lease));
      },
      async deleteLease(request, ctx) {
        const me = caller(ctx);
        const { namespace, name } = parseResourceName(request.name, "leases", me.namespace);
        await controller.releaseLease(namespace, name, me);
        return {};
      },
      async rotateToken(_request, ctx) {
        const me = caller(ctx);
        const { token } = await rotateIdentity(controller.store, controller.authority, me);
        return { token };
      },
    });
  };
}
