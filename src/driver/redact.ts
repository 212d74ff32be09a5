/**
 * Secrets out of messages: a URL's user and password, and query values
 * whose names say they are secrets, are shown as `***` wherever a driver
 * names a URL in an error or a log line.
 *
 * @example
 * ```ts
 * import { redactUrl } from "./redact.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   redactUrl("http://admin:hunter2@plug.lab/cm?user=admin&password=hunter2&cmnd=Power"),
 *   "http://***:***@plug.lab/cm?user=***&password=***&cmnd=Power",
 * );
 * ```
 *
 * @module
 */

const SECRET_NAMES = /^(user(name)?|pass(word|wd)?|pwd|token|(api[_-]?)?key|apikey|secret|auth)$/i;

/** `url` with its credentials and secret query values replaced by `***`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: hide anything that looks like user:password@ anyway.
    return url.replace(/\/\/[^/@\s]*@/g, "//***@");
  }
  if (parsed.username) parsed.username = "***";
  if (parsed.password) parsed.password = "***";
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_NAMES.test(name)) parsed.searchParams.set(name, "***");
  }
  // URLSearchParams encodes `*`; keep the marker readable.
  return parsed.href.replaceAll("%2A%2A%2A", "***");
}

/** `text` with every occurrence of each secret replaced by `***` (empty secrets are ignored). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.replaceAll(secret, "***");
  }
  return out;
}
