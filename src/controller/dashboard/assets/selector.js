// Label selectors in the page: the server parses the text (the CLI's syntax and errors),
// the page matches the parsed form against each exporter's labels.

/** Whether `labels` satisfy a parsed selector ({ matchLabels, matchExpressions }). */
export function matches(selector, labels) {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values } of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    if (operator === "In" && !(has && values.includes(labels[key]))) return false;
    if (operator === "NotIn" && has && values.includes(labels[key])) return false;
    if (operator === "Exists" && !has) return false;
    if (operator === "DoesNotExist" && has) return false;
  }
  return true;
}

/** Asks the server to parse `text`: { selector } or { error }. */
export async function parse(text) {
  if (text.trim() === "") return { selector: null };
  const res = await fetch(`/api/selector?q=${encodeURIComponent(text)}`);
  return await res.json();
}
