/**
 * Waiting in the controller's queue until a lease is Ready, reporting where
 * it stands on the way.
 *
 * @module
 */
import { DriverTimeoutError, FailedPreconditionError } from "../driver/errors.ts";
import type { Lease } from "../gen/jumpstarter/client/v1/client_pb.ts";
import type { ControllerClient } from "./controller_client.ts";
import { leaseCondition, type QueueStatus, queueStatus } from "./lease_status.ts";

/** Waits until the lease is Ready; throws when it ends, cannot be satisfied, or times out. */
export async function waitForLease(
  controller: ControllerClient,
  name: string,
  options: { timeoutMs?: number; onWait?: (status: QueueStatus) => void; signal?: AbortSignal } =
    {},
): Promise<Lease> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  let delay = 100;
  while (true) {
    const lease = await controller.getLease(name);
    if (leaseCondition(lease, "Ready")?.status === "True") return lease;
    const unsatisfiable = leaseCondition(lease, "Unsatisfiable");
    if (lease.effectiveEndTime) {
      const why = unsatisfiable?.status === "True"
        ? `cannot be satisfied: ${unsatisfiable.message || unsatisfiable.reason}`
        : `ended (${leaseCondition(lease, "Ready")?.reason ?? "unknown"})`;
      throw new FailedPreconditionError(`Lease "${name}" ${why}`);
    }
    const status = queueStatus(lease);
    options.onWait?.(status);
    if (Date.now() >= deadline) {
      throw new DriverTimeoutError(
        `Lease "${name}" was not ready within ${Math.round((options.timeoutMs ?? 0) / 1000)} s: ${
          status.message || status.reason || "pending"
        }`,
      );
    }
    if (options.signal?.aborted) throw options.signal.reason;
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, 1000);
  }
}
