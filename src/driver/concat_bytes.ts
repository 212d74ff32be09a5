/**
 * `concatBytes`: joins byte arrays into one.
 *
 * @module
 */

/** Joins `parts` (`size`: their total length, when the caller kept count). */
export function concatBytes(
  parts: Uint8Array[],
  size = parts.reduce((sum, part) => sum + part.byteLength, 0),
): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
