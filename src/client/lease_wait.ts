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

/** How `waitForLease` waits. */
export interface WaitOptions {
  /** Give up after this long (default: no limit). */
  timeoutMs?: number;
  /** Called with the queue position and reason at each poll. */
  onWait?: (status: QueueStatus) => void;
  /** Stops waiting at once, rejecting with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Keep waiting while no exporter at all matches (one may register later).
   * Default: only when a timeout is given. Otherwise such a lease fails at
   * once with the controller's reason instead of waiting forever.
   */
  waitForExporter?: boolean;
}

/**
 * Waits until the lease is Ready; throws when it ends, cannot be satisfied,
 * times out, or `signal` aborts.
 */
export async function waitForLease(
  controller: ControllerClient,
  name: string,
  options: WaitOptions = {},
): Promise<Lease> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  let delay = 100;
  while (true) {
    if (options.signal?.aborted) throw options.signal.reason;
    const lease = await controller.getLease(name);
    if (leaseCondition(lease, "Ready")?.status === "True") return lease;
    const unsatisfiable = leaseCondition(lease, "Unsatisfiable");
    if (lease.effectiveEndTime) {
      const why = unsatisfiable?.status === "True"
        ? `cannot be satisfied: ${unsatisfiable.message || unsatisfiable.reason}`
        : `ended (${leaseCondition(lease, "Ready")?.reason ?? "unknown"})`;
      throw new FailedPreconditionError(`Lease "${name}" ${why}`);
    }
    const waitForExporter = options.waitForExporter ?? options.timeoutMs !== undefined;
    if (unsatisfiable?.status === "True" && !waitForExporter) {
      throw new FailedPreconditionError(
        `Lease "${name}" cannot be satisfied: ${
          unsatisfiable.message || unsatisfiable.reason
        } (to wait for one to register, use --wait-for-exporter or give a timeout)`,
      );
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
    await pause(Math.min(delay, Math.max(0, deadline - Date.now())), options.signal);
    delay = Math.min(delay * 2, 1000);
  }
}

/** Sleeps `ms`, or rejects with the signal's reason as soon as it aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
