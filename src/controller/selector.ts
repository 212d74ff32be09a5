/**
 * Kubernetes-style label selectors: match labels plus set-based expressions,
 * in the string form `a=b,c!=d,e in (x,y),f notin (z),g,!h` and the
 * structured form of the wire's `LabelSelector`.
 *
 * @module
 */

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

const KEY = /^([a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?)?$/;

function checkKey(key: string, text: string): string {
  if (!KEY.test(key)) {
    throw new TypeError(`Invalid selector "${text}": "${key}" is not a valid label key`);
  }
  return key;
}

function checkValue(value: string, text: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new TypeError(`Invalid selector "${text}": "${value}" is not a valid label value`);
  }
  return value;
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
  for (const term of splitTerms(text)) {
    if (term === "") throw new TypeError(`Invalid selector "${text}": empty term`);
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
      const values = m[3].split(",").map((v) => checkValue(v.trim(), text)).filter((v) => v !== "");
      if (values.length === 0) {
        throw new TypeError(`Invalid selector "${text}": empty set in "${term}"`);
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
        `Invalid selector "${text}": cannot parse "${term}" (use key=value, key!=value, key in (a,b), key, !key)`,
      );
    }
  }
  return selector;
}

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
