/**
 * Dial with upstream's two client timeouts: while the controller says the
 * lease is not ready yet, Dial is retried for `dial_timeout`; while the
 * controller cannot be reached, for `retry_timeout` (0: no retry). An
 * ended lease or any other error fails at once.
 *
 * @module
 */
import { FailedPreconditionError, UnavailableError } from "../driver/errors.ts";

/** How long Dial is retried, in milliseconds. */
export interface DialRetry {
  dialTimeoutMs: number;
  retryTimeoutMs: number;
}

/** Upstream's defaults: 30 s for a lease that is not ready, 300 s for an unreachable controller. */
export const DEFAULT_DIAL_RETRY: DialRetry = { dialTimeoutMs: 30_000, retryTimeoutMs: 300_000 };

/** Calls `dial` until it succeeds or its error's retry budget is spent (then rethrows it). */
export async function dialWithRetry<T>(
  dial: () => Promise<T>,
  retry: DialRetry,
  signal?: AbortSignal,
): Promise<T> {
  const start = Date.now();
  let pause = 250;
  for (;;) {
    try {
      return await dial();
    } catch (error) {
      const budget = error instanceof FailedPreconditionError && /not ready/.test(error.message)
        ? retry.dialTimeoutMs
        : error instanceof UnavailableError
        ? retry.retryTimeoutMs
        : 0;
      if (signal?.aborted || Date.now() - start + pause > budget) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 2_000);
    }
  }
}
