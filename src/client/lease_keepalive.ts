/**
 * Keeping a lease alive while a session holds (or waits for) it: a session
 * that releases its lease on exit asks for a client keepalive when it
 * creates it, and calls GetLease several times per timeout the controller
 * answered with. If the session dies without releasing (SIGKILL), the calls
 * stop and the controller ends the lease. A controller that answers without
 * a timeout (upstream) gets no calls.
 *
 * @module
 */
import type { Lease } from "../gen/jumpstarter/client/v1/client_pb.ts";
import { type ControllerClient, KEEPALIVE_CONTEXT } from "./controller_client.ts";

/** Calls a keepalive four times per timeout; at most one call in flight. */
export class LeaseKeepalive {
  readonly #timer: ReturnType<typeof setInterval>;
  #inFlight = false;

  private constructor(controller: ControllerClient, name: string, timeoutMs: number) {
    this.#timer = setInterval(() => {
      if (this.#inFlight) return;
      this.#inFlight = true;
      // A failed call is retried at the next tick; the controller allows for a few.
      controller.getLease(name).catch(() => {}).finally(() => this.#inFlight = false);
    }, Math.max(100, Math.floor(timeoutMs / 4)));
  }

  /** Starts keeping `lease` alive if the controller asked for it; else undefined. */
  static start(
    controller: ControllerClient,
    name: string,
    lease: Lease,
  ): LeaseKeepalive | undefined {
    const timeoutMs = Number(lease.context[KEEPALIVE_CONTEXT]);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return undefined;
    return new LeaseKeepalive(controller, name, timeoutMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
