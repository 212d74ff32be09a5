/**
 * The value rules: which JavaScript values travel as driver call arguments
 * and results, and as what. Both transports apply them through
 * `toJsonValue`: the fast channel sends its JSON text, the gRPC path
 * (`value.ts`) turns it into `google.protobuf.Value`. No protobuf here, so
 * the fast channel starts without loading it.
 *
 * Rules (the same on both ends):
 * - `null`, booleans, finite numbers, strings, arrays and plain objects map 1:1.
 * - `undefined` becomes `null` as an argument or list item and is dropped as an
 *   object field, as `JSON.stringify` does.
 * - A `Date` becomes its ISO-8601 string (`2026-11-30T12:00:00.000Z`).
 * - A `Uint8Array` becomes a UTF-8 string, as upstream Jumpstarter does with raw
 *   bytes; bytes that are not valid UTF-8 are refused with a `TypeError`: send
 *   binary data through a byte stream or a resource upload instead.
 * - `bigint` within the safe integer range becomes a number, else it is refused.
 * - Non-finite numbers, functions, symbols and class instances other than the
 *   above are refused with a `TypeError` naming the path of the bad value.
 *
 * @module
 */

/**
 * A value that can cross the wire unchanged: what a driver call returns to
 * the client (a driver's `Date` arrives as its ISO string, see the rules above).
 *
 * @example
 * ```ts
 * import { Driver, type JsonValue, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Clock extends Driver {
 *   @unary()
 *   status(): { since: Date; load: number[] } {
 *     return { since: new Date(0), load: [0.5, 0.25] };
 *   }
 * }
 * await using root = await driverHarness(Clock);
 * const status: JsonValue = await root.child("dut").call("status");
 * assert.deepEqual(status, { since: "1970-01-01T00:00:00.000Z", load: [0.5, 0.25] });
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Deepest nesting a value may have: protobuf's own recursion limit is 100. */
const MAX_DEPTH = 100;

/** A JavaScript value as the JSON value it travels as (see the rules above). */
export function toJsonValue(input: unknown, path = "value", depth = 0): JsonValue {
  switch (typeof input) {
    case "undefined":
      return null;
    case "boolean":
    case "string":
      return input;
    case "number":
      if (!Number.isFinite(input)) {
        throw new TypeError(`Cannot encode ${path}: ${input} is not a finite number`);
      }
      return input;
    case "bigint":
      if (input > BigInt(Number.MAX_SAFE_INTEGER) || input < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new TypeError(`Cannot encode ${path}: ${input} is outside the safe integer range`);
      }
      return Number(input);
    case "object":
      if (depth >= MAX_DEPTH) {
        throw new TypeError(
          `Cannot encode ${
            JSON.stringify(path.slice(0, 40))
          }: nested deeper than ${MAX_DEPTH} levels`,
        );
      }
      return objectValue(input, path, depth + 1);
    default:
      throw new TypeError(`Cannot encode ${path}: a ${typeof input} is not a JSON value`);
  }
}

function objectValue(input: object | null, path: string, depth: number): JsonValue {
  if (input === null) return null;
  if (input instanceof Date) return input.toISOString();
  if (input instanceof Uint8Array) {
    try {
      return utf8.decode(input);
    } catch {
      throw new TypeError(
        `Cannot encode ${path}: bytes are not valid UTF-8; send binary data as a byte stream or resource`,
      );
    }
  }
  if (Array.isArray(input)) {
    return input.map((item, i) => toJsonValue(item, `${path}[${i}]`, depth));
  }
  const proto = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `Cannot encode ${path}: a ${
        proto?.constructor?.name ?? "class"
      } instance is not a JSON value`,
    );
  }
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(input)) {
    if (item === undefined) continue;
    out[key] = toJsonValue(item, `${path}.${key}`, depth);
  }
  return out;
}

/** Call arguments as JSON values (`argument 1`, `argument 2`... in messages). */
export function argsValue(args: unknown[]): JsonValue[] {
  const out = new Array<JsonValue>(args.length);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // Numbers and strings, most arguments, need no walk.
    out[i] = typeof arg === "string" || (typeof arg === "number" && Number.isFinite(arg))
      ? arg
      : toJsonValue(arg, `argument ${i + 1}`);
  }
  return out;
}
