/**
 * How a config error shows the value it refused: a mapping or a list by its
 * kind, anything else as JSON on one line, cut short when long. Never the
 * value's own `toString`, which a YAML mapping can make anything (or throw).
 *
 * @module
 */

/** One line describing `value` for an error message. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value) ?? String(typeof value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
