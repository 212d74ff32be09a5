/**
 * The value codec: how JavaScript values travel as `google.protobuf.Value`
 * in DriverCall arguments and results.
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
import { create } from "@bufbuild/protobuf";
import { ListValueSchema, StructSchema, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";

/** A value that can cross the wire unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Encodes a JavaScript value as a `google.protobuf.Value`. */
export function encodeValue(input: unknown, path = "value"): Value {
  switch (typeof input) {
    case "undefined":
      return create(ValueSchema, { kind: { case: "nullValue", value: 0 } });
    case "boolean":
      return create(ValueSchema, { kind: { case: "boolValue", value: input } });
    case "string":
      return create(ValueSchema, { kind: { case: "stringValue", value: input } });
    case "number":
      if (!Number.isFinite(input)) {
        throw new TypeError(`Cannot encode ${path}: ${input} is not a finite number`);
      }
      return create(ValueSchema, { kind: { case: "numberValue", value: input } });
    case "bigint":
      if (input > BigInt(Number.MAX_SAFE_INTEGER) || input < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new TypeError(`Cannot encode ${path}: ${input} is outside the safe integer range`);
      }
      return create(ValueSchema, { kind: { case: "numberValue", value: Number(input) } });
    case "object":
      return encodeObject(input, path);
    default:
      throw new TypeError(`Cannot encode ${path}: a ${typeof input} is not a JSON value`);
  }
}

function encodeObject(input: object | null, path: string): Value {
  if (input === null) return create(ValueSchema, { kind: { case: "nullValue", value: 0 } });
  if (input instanceof Date) {
    return create(ValueSchema, { kind: { case: "stringValue", value: input.toISOString() } });
  }
  if (input instanceof Uint8Array) {
    let text: string;
    try {
      text = utf8.decode(input);
    } catch {
      throw new TypeError(
        `Cannot encode ${path}: bytes are not valid UTF-8; send binary data as a byte stream or resource`,
      );
    }
    return create(ValueSchema, { kind: { case: "stringValue", value: text } });
  }
  if (Array.isArray(input)) {
    const values = input.map((item, i) => encodeValue(item, `${path}[${i}]`));
    return create(ValueSchema, {
      kind: { case: "listValue", value: create(ListValueSchema, { values }) },
    });
  }
  const proto = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `Cannot encode ${path}: a ${
        proto?.constructor?.name ?? "class"
      } instance is not a JSON value`,
    );
  }
  const fields: Record<string, Value> = {};
  for (const [key, item] of Object.entries(input)) {
    if (item === undefined) continue;
    fields[key] = encodeValue(item, `${path}.${key}`);
  }
  return create(ValueSchema, {
    kind: { case: "structValue", value: create(StructSchema, { fields }) },
  });
}

/** Decodes a `google.protobuf.Value` (a missing value decodes as `null`). */
export function decodeValue(value: Value | undefined): JsonValue {
  if (value === undefined) return null;
  const kind = value.kind;
  switch (kind.case) {
    case "boolValue":
    case "stringValue":
    case "numberValue":
      return kind.value;
    case "listValue":
      return kind.value.values.map(decodeValue);
    case "structValue": {
      const out: Record<string, JsonValue> = {};
      for (const [key, item] of Object.entries(kind.value.fields)) out[key] = decodeValue(item);
      return out;
    }
    default:
      return null;
  }
}
