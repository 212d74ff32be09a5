/**
 * The guest shell's syntax: a command line split into commands at `;`,
 * `&&` and `||`, and a command split into words with quotes, escapes and
 * `$` expansion, as `sh` does for the little the virtual board needs.
 *
 * @module
 */

/** What joins a command to the next one. */
export type Operator = ";" | "&&" | "||";

/**
 * Splits a command line at `;`, `&&` and `||` outside quotes. Returns a
 * syntax error message instead when an operator has no command before it.
 */
export function splitCommands(line: string): { text: string; next?: Operator }[] | string {
  const out: { text: string; next?: Operator }[] = [];
  let current = "";
  let quote: "'" | '"' | "" = "";
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === "\\" && quote === '"') current += char + (line[++i] ?? "");
      else current += char;
      if (char === quote) quote = "";
      continue;
    }
    if (char === "\\") {
      current += char + (line[++i] ?? "");
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    const op = char === ";"
      ? ";"
      : line.startsWith("&&", i)
      ? "&&"
      : line.startsWith("||", i)
      ? "||"
      : undefined;
    if (!op) {
      current += char;
      continue;
    }
    if (current.trim() === "") return `unexpected "${op}"`;
    out.push({ text: current, next: op });
    current = "";
    i += op.length - 1;
  }
  if (current.trim() !== "") out.push({ text: current });
  else if (out.length > 0 && out[out.length - 1].next !== ";") {
    return `command missing after "${out[out.length - 1].next}"`;
  }
  return out;
}

/**
 * Splits one command into words: whitespace separates, quotes group
 * (`'…'` literally, `"…"` with `$` expansion), `\` escapes, `$?` and
 * `$NAME` expand. Returns a syntax error message for an unterminated quote.
 */
export function expandWords(text: string, variable: (name: string) => string): string[] | string {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | "" = "";
  const add = (s: string) => word = (word ?? "") + s;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote === "'") {
      if (char === "'") quote = "";
      else add(char);
    } else if (char === "\\" && i + 1 < text.length) {
      add(text[++i]);
    } else if (char === "$") {
      const name = text[i + 1] === "?" ? "?" : /^[A-Za-z_]\w*/.exec(text.slice(i + 1))?.[0];
      if (name) {
        const value = variable(name);
        // An empty unquoted expansion makes no word, as in sh.
        if (value || quote) add(value);
        i += name.length;
      } else add(char);
    } else if (quote === '"') {
      if (char === '"') quote = "";
      else add(char);
    } else if (char === "'" || char === '"') {
      quote = char;
      add("");
    } else if (char === " " || char === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else add(char);
  }
  if (quote) return `unterminated ${quote} quote`;
  if (word !== undefined) words.push(word);
  return words;
}
