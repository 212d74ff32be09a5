/**
 * The syntax of Kubernetes-style label keys and values: `checkKey` and
 * `checkValue` refuse a bad one with a `TypeError` naming the text it came
 * from.
 *
 * @module
 */

import { shown } from "./limits.ts";

const KEY = /^([a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?)?$/;

/** `key` if it is a valid label key (an optional DNS prefix and `/`, then a name). */
export function checkKey(key: string, text: string): string {
  if (!KEY.test(key)) {
    throw new TypeError(`Invalid selector ${shown(text)}: ${shown(key)} is not a valid label key`);
  }
  return key;
}

/** `value` if it is a valid label value (at most 63 characters, maybe empty). */
export function checkValue(value: string, text: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new TypeError(
      `Invalid selector ${shown(text)}: ${shown(value)} is not a valid label value`,
    );
  }
  return value;
}
