/**
 * `messageOf`: a one-line message for any thrown value.
 *
 * @module
 */

/** A one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
