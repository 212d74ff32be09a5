import assert from "node:assert/strict";
import { decodeValue, encodeValue } from "./value.ts";
import { argsValue, toJsonValue } from "./json_value.ts";

const through = (value: unknown) => JSON.parse(JSON.stringify(toJsonValue(value)));
const viaGrpc = (value: unknown) => decodeValue(encodeValue(value));

class Point {
  x = 1;
}

const values: unknown[] = [
  null,
  undefined,
  true,
  0,
  -12.5,
  Number.MAX_SAFE_INTEGER,
  "",
  "héllo ✓",
  [1, "a", null, undefined, [true]],
  { a: 1, b: undefined, c: { d: [null] } },
  Object.create(null),
  new Date("2026-11-30T12:00:00.000Z"),
  new TextEncoder().encode("bytes as text"),
  123n,
];

Deno.test("toJsonValue() carries what the gRPC value codec carries", () => {
  for (const value of values) {
    assert.deepEqual(through(value), viaGrpc(value), Deno.inspect(value));
  }
});

Deno.test("toJsonValue() refuses what the gRPC value codec refuses, with the same message", () => {
  const bad: unknown[] = [
    NaN,
    Infinity,
    2n ** 60n,
    () => 1,
    Symbol("s"),
    new Point(),
    new Map(),
    new Uint8Array([0xff, 0xfe]),
    { nested: [1, { deep: NaN }] },
  ];
  for (const value of bad) {
    let grpc: Error | undefined;
    try {
      encodeValue(value, "argument 1");
    } catch (error) {
      grpc = error as Error;
    }
    assert.ok(grpc instanceof TypeError, `gRPC codec refuses ${Deno.inspect(value)}`);
    assert.throws(() => toJsonValue(value, "argument 1"), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, grpc!.message);
      return true;
    });
  }
});

Deno.test("argsValue() names the argument that cannot be sent", () => {
  assert.deepEqual(argsValue([1, "x", undefined]), [1, "x", null]);
  assert.throws(() => argsValue([1, NaN]), /Cannot encode argument 2: NaN is not a finite number/);
});
