/**
 * Timing helpers that hardware tests need: poll until a condition holds, and
 * bound how long a step may take.
 *
 * @module
 */
import { DriverTimeoutError, messageOf } from "../src/driver/errors.ts";

/** Options of `eventually`. */
export interface EventuallyOptions {
  /** Give up after this many ms (default 10 s). */
  timeout?: number;
  /** Wait between attempts, in ms (default 100). */
  interval?: number;
  /** What is being waited for, for the error message. */
  message?: string;
}

/**
 * Calls `fn` until it returns without throwing and its result is not `false`;
 * returns that result. On timeout, throws a DriverTimeoutError carrying the
 * last failure.
 *
 * @example
 * ```ts ignore
 * await eventually(async () => (await dut.storage.info()).mux === "dut", { timeout: 5000 });
 * ```
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeout = options.timeout ?? 10_000;
  const interval = options.interval ?? 100;
  const deadline = Date.now() + timeout;
  let last = "it returned false";
  while (true) {
    try {
      const result = await fn();
      if (result !== false) return result;
      last = "it returned false";
    } catch (error) {
      last = messageOf(error);
    }
    if (Date.now() + interval > deadline) {
      throw new DriverTimeoutError(
        `${options.message ?? "Condition"} did not hold within ${
          timeout / 1000
        } s; last attempt: ${last}`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Resolves with `work` (a promise or a function returning one) or rejects with
 * a DriverTimeoutError after `ms`. The timer never outlives the call.
 *
 * @example
 * ```ts ignore
 * await withTimeout(dut.power.cycle(), 30_000, "power cycle");
 * ```
 */
export async function withTimeout<T>(
  work: Promise<T> | (() => Promise<T>),
  ms: number,
  what = "Operation",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DriverTimeoutError(`${what} did not finish within ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([typeof work === "function" ? work() : work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
