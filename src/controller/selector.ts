/**
 * Kubernetes-style label selectors: match labels plus set-based expressions,
 * in the string form `a=b,c!=d,e in (x,y),f notin (z),g,!h` and the
 * structured form of the wire's `LabelSelector`.
 *
 * @module
 */
import { checkKey, checkValue } from "./label_syntax.ts";
import { MAX_SELECTOR_CHARS, MAX_SELECTOR_TERMS, shown } from "./limits.ts";

/** One set-based requirement. */
export interface Requirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values: string[];
}

/** A parsed selector: every requirement must hold. */
export interface Selector {
  matchLabels: Record<string, string>;
  matchExpressions: Requirement[];
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

/** Parses the string form; a `TypeError` names the bad term. */
export function parseSelector(text: string): Selector {
  const selector: Selector = { matchLabels: {}, matchExpressions: [] };
  if (text.trim() === "") return selector;
  if (text.length > MAX_SELECTOR_CHARS) {
    throw new TypeError(
      `Invalid selector ${shown(text)}: ${text.length} characters, at most ${MAX_SELECTOR_CHARS}`,
    );
  }
  const terms = splitTerms(text);
  if (terms.length > MAX_SELECTOR_TERMS) {
    throw new TypeError(
      `Invalid selector ${shown(text)}: ${terms.length} terms, at most ${MAX_SELECTOR_TERMS}`,
    );
  }
  for (const term of terms) {
    if (term === "") throw new TypeError(`Invalid selector ${shown(text)}: empty term`);
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
      const values = m[3].split(",").map((v) => checkValue(v.trim(), text)).filter((v) => v !== "");
      if (values.length === 0) {
        throw new TypeError(`Invalid selector ${shown(text)}: empty set in ${shown(term)}`);
      }
      selector.matchExpressions.push({
        key: checkKey(m[1], text),
        operator: m[2] === "in" ? "In" : "NotIn",
        values,
      });
    } else if ((m = term.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      const key = checkKey(m[1], text);
      const value = checkValue(m[3], text);
      if (m[2] === "!=") {
        selector.matchExpressions.push({ key, operator: "NotIn", values: [value] });
      } else if (key in selector.matchLabels && selector.matchLabels[key] !== value) {
        // Two different values for one key can never match; keep both as requirements.
        selector.matchExpressions.push({ key, operator: "In", values: [value] });
      } else selector.matchLabels[key] = value;
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      selector.matchExpressions.push({
        key: checkKey(m[1], text),
        operator: "DoesNotExist",
        values: [],
      });
    } else if (/^\S+$/.test(term)) {
      selector.matchExpressions.push({ key: checkKey(term, text), operator: "Exists", values: [] });
    } else {
      throw new TypeError(
        `Invalid selector ${shown(text)}: cannot parse ${
          shown(term)
        } (use key=value, key!=value, key in (a,b), key, !key)`,
      );
    }
  }
  return selector;
}
