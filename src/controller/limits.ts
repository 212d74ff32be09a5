/**
 * The controller's bounds on what clients and exporters send: selector and
 * label sizes, and the longest lease. Each refusal is a `TypeError`
 * (INVALID_ARGUMENT on the wire) naming the limit, so no one input can make
 * the scheduler's work or a listing grow without end.
 *
 * @module
 */

/** Most characters in a selector's text form. */
export const MAX_SELECTOR_CHARS = 4096;
/** Most terms (labels and expressions) in one selector. */
export const MAX_SELECTOR_TERMS = 64;
/** Most values in one `in`/`notin` expression. */
export const MAX_SET_VALUES = 64;
/** Most labels an exporter may register. */
export const MAX_LABELS = 64;
/** Longest label value an exporter may register (upstream's are Kubernetes labels: 63). */
export const MAX_LABEL_VALUE = 256;
/** The longest lease by default; `controller serve --max-lease-duration` changes it. */
export const DEFAULT_MAX_LEASE_MS = 7 * 86_400_000;

const KEY = /^([a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([\w.-]*[a-z0-9A-Z])?$/;

/** A user's text quoted on one line and cut short, for an error message. */
export function shown(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length > 80 ? `${quoted.slice(0, 76)}..."` : quoted;
}

/** Checks the labels an exporter registers: how many, their keys and their values. */
export function checkLabels(labels: Record<string, string>): Record<string, string> {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) {
    throw new TypeError(`Too many labels (${entries.length}): at most ${MAX_LABELS}`);
  }
  for (const [key, value] of entries) {
    if (key.length > 317 || !KEY.test(key)) {
      throw new TypeError(`Invalid label key ${shown(key)}: use name or prefix/name`);
    }
    // deno-lint-ignore no-control-regex -- control characters are what this refuses
    if (value.length > MAX_LABEL_VALUE || /[\x00-\x1f\x7f]/.test(value)) {
      throw new TypeError(
        `Invalid value of label ${key}: at most ${MAX_LABEL_VALUE} printable characters`,
      );
    }
  }
  return labels;
}

/** Checks a lease duration in ms against the controller's maximum. */
export function checkLeaseDuration(durationMs: number, maxMs: number): number {
  if (!Number.isFinite(durationMs) || !(durationMs > 0)) {
    throw new TypeError(`Invalid lease duration: it must be positive`);
  }
  if (durationMs > maxMs) {
    throw new TypeError(
      `Invalid lease duration ${Math.round(durationMs / 1000)} s: this controller allows at most ${
        Math.round(maxMs / 1000)
      } s`,
    );
  }
  return durationMs;
}
