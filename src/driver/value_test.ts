import assert from "node:assert/strict";
import { decodeValue, encodeValue } from "./value.ts";

Deno.test("encodeValue() round-trips JSON values", () => {
  const value = { a: [1, "x", null, true, { b: -2.5 }], s: "ünïcode" };
  assert.deepEqual(decodeValue(encodeValue(value)), value);
});

Deno.test("encodeValue() turns undefined into null in lists and drops it from objects", () => {
  assert.deepEqual(decodeValue(encodeValue([undefined, 1])), [null, 1]);
  assert.deepEqual(decodeValue(encodeValue({ a: undefined, b: 1 })), { b: 1 });
  assert.equal(decodeValue(encodeValue(undefined)), null);
});

Deno.test("encodeValue() sends dates as ISO strings and UTF-8 bytes as strings", () => {
  assert.equal(decodeValue(encodeValue(new Date(0))), "1970-01-01T00:00:00.000Z");
  assert.equal(decodeValue(encodeValue(new TextEncoder().encode("hi"))), "hi");
});

Deno.test("encodeValue() refuses values that cannot cross the wire", () => {
  assert.throws(
    () => encodeValue(new Uint8Array([0xff, 0xfe])),
    (e) => e instanceof TypeError && /byte stream/.test(e.message),
  );
  assert.throws(
    () => encodeValue({ f: () => 1 }),
    (e) => e instanceof TypeError && /value\.f/.test(e.message),
  );
  assert.throws(() => encodeValue(NaN), (e) => e instanceof TypeError && /finite/.test(e.message));
  assert.throws(
    () => encodeValue(new Map()),
    (e) => e instanceof TypeError && /Map/.test(e.message),
  );
  assert.equal(decodeValue(encodeValue(12n)), 12);
});
