/**
 * Bounding how long a step may take: `withTimeout(work, ms)`.
 *
 * @module
 */
import { DriverTimeoutError } from "../src/driver/errors.ts";

/**
 * Resolves with `work` (a promise or a function returning one) or rejects with
 * a DriverTimeoutError after `ms`. The timer never outlives the call.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { localDevice, withTimeout } from "@jumpstarter/jumpstarter/testing";
 *
 * await using dut = await localDevice<VirtualBoard>("examples/virtual-board.yaml");
 * await withTimeout(dut.power.cycle(0.1), 30_000, "Power cycle");
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
