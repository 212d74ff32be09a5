/**
 * `checkSelector`: checks a structured selector received from the wire.
 *
 * @module
 */
import { formatSelector } from "./format_selector.ts";
import { checkKey, checkValue } from "./label_syntax.ts";
import { MAX_SELECTOR_CHARS, MAX_SELECTOR_TERMS, MAX_SET_VALUES, shown } from "./limits.ts";
import type { Selector } from "./selector.ts";

/** Checks a structured selector from the wire; a `TypeError` names the problem. */
export function checkSelector(selector: Selector): Selector {
  const terms = Object.keys(selector.matchLabels).length + selector.matchExpressions.length;
  if (terms > MAX_SELECTOR_TERMS) {
    throw new TypeError(`Invalid selector: ${terms} terms, at most ${MAX_SELECTOR_TERMS}`);
  }
  for (const r of selector.matchExpressions) {
    if (r.values.length > MAX_SET_VALUES) {
      throw new TypeError(
        `Invalid selector: ${r.values.length} values for ${
          shown(r.key)
        }, at most ${MAX_SET_VALUES}`,
      );
    }
  }
  const text = formatSelector(selector);
  if (text.length > MAX_SELECTOR_CHARS) {
    throw new TypeError(
      `Invalid selector ${shown(text)}: ${text.length} characters, at most ${MAX_SELECTOR_CHARS}`,
    );
  }
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    checkKey(key, text);
    checkValue(value, text);
  }
  for (const r of selector.matchExpressions) {
    checkKey(r.key, text);
    for (const value of r.values) checkValue(value, text);
    if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(r.operator)) {
      throw new TypeError(
        `Invalid selector: unknown operator ${shown(r.operator)} for key ${shown(r.key)}`,
      );
    }
    if ((r.operator === "In" || r.operator === "NotIn") && r.values.length === 0) {
      throw new TypeError(`Invalid selector: "${r.key} ${r.operator}" needs at least one value`);
    }
  }
  return selector;
}
