/**
 * Polling until a condition holds: `eventually(fn)` retries a check that a
 * board needs time to satisfy.
 *
 * @module
 */
import { DriverTimeoutError } from "../src/driver/errors.ts";
import { messageOf } from "../src/driver/error_message.ts";

/**
 * Options of `eventually`.
 *
 * @example
 * ```ts
 * import { DriverTimeoutError } from "@jumpstarter/jumpstarter";
 * import { eventually, type EventuallyOptions } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * const patience: EventuallyOptions = { timeout: 200, interval: 20, message: "The link" };
 * const error = await eventually(() => false, patience).catch((e) => e);
 * assert.ok(error instanceof DriverTimeoutError);
 * assert.match(error.message, /^The link did not hold within 0.2 s/);
 * ```
 */
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
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { eventually, localDevice } from "@jumpstarter/jumpstarter/testing";
 *
 * await using dut = await localDevice<VirtualBoard>("examples/virtual-board.yaml");
 * await dut.power.on();
 * // The board draws more current while it boots; wait until it is idle.
 * await eventually(async () => {
 *   for await (const { current } of dut.power.read()) return current < 0.5;
 *   return false;
 * }, { timeout: 5000, message: "Boot finished" });
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
