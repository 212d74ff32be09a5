/**
 * Durations as users type them: `90s`, `10m`, `1h30m`, `2d`, or plain seconds.
 *
 * @module
 */

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest duration a user may type (a lease's own limit is the controller's policy). */
export const MAX_DURATION_MS = 365 * 86_400_000;

/**
 * Parses a duration into milliseconds: positive, at most 365 days. A
 * `TypeError` names the bad value, quoted on one line.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseDuration("1h30m"), 5_400_000);
 * assert.equal(parseDuration("90"), 90_000);
 * assert.throws(() => parseDuration("0"), TypeError);
 * ```
 */
export function parseDuration(text: string): number {
  const value = text.trim();
  const shown = JSON.stringify(text);
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) {
      throw new TypeError(`Invalid duration ${shown}: use e.g. 90s, 10m, 1h30m or 2d`);
    }
    ms = parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
  }
  if (!(ms > 0)) throw new TypeError(`Invalid duration ${shown}: it must be positive`);
  if (!(ms <= MAX_DURATION_MS)) {
    throw new TypeError(`Invalid duration ${shown}: it must be at most 365d`);
  }
  return ms;
}

/** Formats milliseconds compactly (`1h30m`, `45s`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.round(ms / 1000);
  const out: string[] = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return out.join("");
}
