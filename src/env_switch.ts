/**
 * Switches read from the environment, such as `JMP_FAST_PATH=off`.
 *
 * @module
 */

/**
 * True when environment variable `name` turns something off (`off`, `0`,
 * `false` or `no`, in any case). Unset, anything else, or no permission to
 * read the environment leaves it on.
 */
export function switchedOff(name: string): boolean {
  let value: string | undefined;
  try {
    value = Deno.env.get(name);
  } catch { /* no env permission: the default */ }
  return value !== undefined && /^(off|0|false|no)$/i.test(value);
}

/**
 * True when environment variable `name` turns something on (`on`, `1`,
 * `true` or `yes`, in any case). Unset, anything else, or no permission to
 * read the environment leaves it off.
 */
export function switchedOn(name: string): boolean {
  let value: string | undefined;
  try {
    value = Deno.env.get(name);
  } catch { /* no env permission: the default */ }
  return value !== undefined && /^(on|1|true|yes)$/i.test(value);
}
