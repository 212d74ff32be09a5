/**
 * Values on the fast channel: JSON text of exactly the values the gRPC path
 * carries as `google.protobuf.Value`. `toJsonValue` applies the rules of
 * `src/driver/value.ts` (`encodeValue`) without building protobuf messages,
 * with the same `TypeError` messages; `codec_test.ts` checks the two agree.
 *
 * @module
 */
import type { JsonValue } from "../../driver/value.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A JavaScript value as the JSON value the gRPC value codec would carry. */
export function toJsonValue(input: unknown, path = "value"): JsonValue {
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
      return objectValue(input, path);
    default:
      throw new TypeError(`Cannot encode ${path}: a ${typeof input} is not a JSON value`);
  }
}

function objectValue(input: object | null, path: string): JsonValue {
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
  if (Array.isArray(input)) return input.map((item, i) => toJsonValue(item, `${path}[${i}]`));
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
    out[key] = toJsonValue(item, `${path}.${key}`);
  }
  return out;
}

/** Call arguments as JSON values (`argument 1`, `argument 2`... in messages, as on gRPC). */
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
