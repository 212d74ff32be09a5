/**
 * `lastLine`: the last non-empty line of some output, the part of a
 * command's output worth a message.
 *
 * @module
 */

/** The last non-empty line of some output. */
export function lastLine(text: string): string {
  return text.trimEnd().split("\n").at(-1)?.trim() ?? "";
}
