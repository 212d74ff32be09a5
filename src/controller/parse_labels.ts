/**
 * `parseLabels`: labels given as `key=value` pairs (CLI `--label` options).
 *
 * @module
 */
import { checkKey, checkValue } from "./label_syntax.ts";

/** Parses `k=v` pairs given as CLI `--label` options. */
export function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new TypeError(`Invalid label "${pair}": use key=value`);
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    checkKey(key, pair);
    checkValue(value, pair);
    labels[key] = value;
  }
  return labels;
}
