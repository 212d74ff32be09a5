/**
 * `checkSelector`: checks a structured selector received from the wire.
 *
 * @module
 */
import { formatSelector } from "./format_selector.ts";
import { checkKey } from "./label_syntax.ts";
import type { Selector } from "./selector.ts";

/** Checks a structured selector from the wire; a `TypeError` names the problem. */
export function checkSelector(selector: Selector): Selector {
  const text = formatSelector(selector);
  for (const key of Object.keys(selector.matchLabels)) checkKey(key, text);
  for (const r of selector.matchExpressions) {
    checkKey(r.key, text);
    if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(r.operator)) {
      throw new TypeError(`Invalid selector: unknown operator "${r.operator}" for key "${r.key}"`);
    }
    if ((r.operator === "In" || r.operator === "NotIn") && r.values.length === 0) {
      throw new TypeError(`Invalid selector: "${r.key} ${r.operator}" needs at least one value`);
    }
  }
  return selector;
}
