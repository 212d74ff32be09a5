/**
 * Durations as users type them: `90s`, `10m`, `1h30m`, `2d`, or plain seconds.
 *
 * @module
 */

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration into milliseconds; a `TypeError` names the bad value. */
export function parseDuration(text: string): number {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) {
    throw new TypeError(`Invalid duration "${text}": use e.g. 90s, 10m, 1h30m or 2d`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
  if (!(ms > 0)) throw new TypeError(`Invalid duration "${text}": it must be positive`);
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
