/**
 * Extend and release from the dashboard, for leases the caller holds (an
 * admin may release any lease it sees). Extending adds minutes to the
 * lease's duration, checked against the access policies as the CLI's.
 *
 * @module
 */
import type { Controller } from "../controller.ts";
import type { Identity } from "../model.ts";
import { readBody, type Req, type Res, sendError, sendJson } from "./http_io.ts";
import { isAdmin, leaseRow, sees, works } from "./state_view.ts";

/** Longest extension one request may ask for. */
const MAX_EXTEND_MINUTES = 7 * 24 * 60;

/** Serves `POST /api/leases/NAMESPACE/NAME/(extend|release)` (parts after `leases`). */
export async function leaseActions(
  req: Req,
  res: Res,
  controller: Controller,
  identity: Identity,
  key: string | undefined,
  action: string | undefined,
): Promise<void> {
  const lease = key && key.length <= 320 ? controller.leases.get(key) : undefined;
  if (!lease || lease.ended || !sees(identity, lease.namespace)) {
    return sendError(res, 404, `No active lease "${key}"`);
  }
  const mine = works(identity, lease);
  if (action === "release" && (mine || isAdmin(identity))) {
    await controller.releaseLease(lease.namespace, lease.name);
    return sendJson(res, 200, { released: lease.name });
  }
  if (action === "extend" && mine) {
    let minutes: unknown;
    try {
      minutes = JSON.parse(new TextDecoder().decode(await readBody(req, 256))).minutes;
    } catch {
      return sendError(res, 400, 'Expected a JSON body {"minutes": N}');
    }
    if (
      !Number.isInteger(minutes) || (minutes as number) < 1 ||
      (minutes as number) > MAX_EXTEND_MINUTES
    ) {
      return sendError(res, 400, `minutes must be a whole number from 1 to ${MAX_EXTEND_MINUTES}`);
    }
    const updated = await controller.updateLease(lease.namespace, lease.name, identity, {
      durationMs: lease.durationMs + (minutes as number) * 60_000,
    });
    return sendJson(res, 200, leaseRow(controller, updated, identity));
  }
  if (action !== "release" && action !== "extend") return sendError(res, 404, "No such action");
  sendError(res, 403, `Lease "${lease.name}" is held by ${lease.client}, not you`);
}
