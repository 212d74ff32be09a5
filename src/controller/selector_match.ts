/**
 * `matches`: whether labels satisfy every requirement of a selector.
 *
 * @module
 */
import type { Selector } from "./selector.ts";

/** True when `labels` satisfy every requirement of `selector`. */
export function matches(selector: Selector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const r of selector.matchExpressions) {
    const has = Object.hasOwn(labels, r.key);
    switch (r.operator) {
      case "In":
        if (!has || !r.values.includes(labels[r.key])) return false;
        break;
      case "NotIn":
        if (has && r.values.includes(labels[r.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
    }
  }
  return true;
}
