import { assertEquals, assertThrows } from "./_fixtures/assert.ts";
import { decodeValue, encodeValue } from "../src/driver/value.ts";

Deno.test("encodeValue() round-trips JSON values", () => {
  const value = { a: [1, "x", null, true, { b: -2.5 }], s: "ünïcode" };
  assertEquals(decodeValue(encodeValue(value)), value);
});

Deno.test("encodeValue() turns undefined into null in lists and drops it from objects", () => {
  assertEquals(decodeValue(encodeValue([undefined, 1])), [null, 1]);
  assertEquals(decodeValue(encodeValue({ a: undefined, b: 1 })), { b: 1 });
  assertEquals(decodeValue(encodeValue(undefined)), null);
});

Deno.test("encodeValue() sends dates as ISO strings and UTF-8 bytes as strings", () => {
  assertEquals(decodeValue(encodeValue(new Date(0))), "1970-01-01T00:00:00.000Z");
  assertEquals(decodeValue(encodeValue(new TextEncoder().encode("hi"))), "hi");
});

Deno.test("encodeValue() refuses values that cannot cross the wire", () => {
  assertThrows(() => encodeValue(new Uint8Array([0xff, 0xfe])), TypeError, "byte stream");
  assertThrows(() => encodeValue({ f: () => 1 }), TypeError, "value.f");
  assertThrows(() => encodeValue(NaN), TypeError, "finite");
  assertThrows(() => encodeValue(new Map()), TypeError, "Map");
  assertEquals(decodeValue(encodeValue(12n)), 12);
});
