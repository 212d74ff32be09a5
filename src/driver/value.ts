/**
 * The value codec of the gRPC path: JavaScript values as
 * `google.protobuf.Value` in DriverCall arguments and results, under the
 * rules of `json_value.ts` (which both transports share).
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import { ListValueSchema, StructSchema, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { type JsonValue, toJsonValue } from "./json_value.ts";

export type { JsonValue } from "./json_value.ts";

/** Encodes a JavaScript value as a `google.protobuf.Value`; refuses what the rules refuse. */
export function encodeValue(input: unknown, path = "value"): Value {
  return fromJsonValue(toJsonValue(input, path));
}

/** A JSON value as a `google.protobuf.Value`. */
export function fromJsonValue(input: JsonValue): Value {
  if (input === null) return create(ValueSchema, { kind: { case: "nullValue", value: 0 } });
  switch (typeof input) {
    case "boolean":
      return create(ValueSchema, { kind: { case: "boolValue", value: input } });
    case "string":
      return create(ValueSchema, { kind: { case: "stringValue", value: input } });
    case "number":
      return create(ValueSchema, { kind: { case: "numberValue", value: input } });
  }
  if (Array.isArray(input)) {
    return create(ValueSchema, {
      kind: {
        case: "listValue",
        value: create(ListValueSchema, { values: input.map(fromJsonValue) }),
      },
    });
  }
  const fields: Record<string, Value> = {};
  for (const [key, item] of Object.entries(input)) fields[key] = fromJsonValue(item);
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
