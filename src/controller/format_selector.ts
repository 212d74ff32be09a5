/**
 * `formatSelector`: the string form of a selector (`a=b,c!=d,e in (x,y)`),
 * the inverse of `parseSelector`.
 *
 * @module
 */
import type { Selector } from "./selector.ts";

/** The string form of a selector (inverse of `parseSelector`). */
export function formatSelector(selector: Selector): string {
  const terms = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions) {
    if (r.operator === "Exists") terms.push(r.key);
    else if (r.operator === "DoesNotExist") terms.push(`!${r.key}`);
    else if (r.operator === "NotIn" && r.values.length === 1) {
      terms.push(`${r.key}!=${r.values[0]}`);
    } else terms.push(`${r.key} ${r.operator === "In" ? "in" : "notin"} (${r.values.join(",")})`);
  }
  return terms.join(",");
}
