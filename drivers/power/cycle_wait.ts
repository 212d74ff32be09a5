/**
 * The wait of a power cycle: how long `cycle()` keeps the power off, with its
 * default and its check.
 *
 * @module
 */

/** Seconds `cycle()` waits between off and on when no wait is given. */
export const DEFAULT_CYCLE_WAIT = 2;

/** The longest wait a power cycle may take: one hour, far past any board's need. */
export const MAX_CYCLE_WAIT = 3600;

/** The wait of a `cycle()` call in seconds: the default for none, a RangeError for a bad one. */
export function cycleWait(wait?: number | null): number {
  const seconds = wait ?? DEFAULT_CYCLE_WAIT;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(
      `Cannot power cycle with a wait of ${JSON.stringify(seconds)} s: use a number >= 0`,
    );
  }
  if (seconds > MAX_CYCLE_WAIT) {
    throw new RangeError(
      `Cannot power cycle with a wait of ${seconds} s: at most ${MAX_CYCLE_WAIT} s`,
    );
  }
  return seconds;
}
