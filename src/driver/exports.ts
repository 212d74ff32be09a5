/**
 * Marks which driver methods are callable from a client, and how:
 * `@unary` (one request, one result), `@streaming` (one request, a stream of
 * results) and `@byteStream` (a raw bidirectional byte stream, like upstream's
 * `connect`). The decorators check the method's shape at compile time.
 *
 * @example
 * ```ts
 * import { Driver, streaming, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Lamp extends Driver {
 *   #lit = false;
 *   @unary({ description: "Switch the lamp on" })
 *   on(): void {
 *     this.#lit = true;
 *   }
 *   @streaming({ description: "Report the state" })
 *   async *watch(): AsyncGenerator<boolean> {
 *     yield this.#lit;
 *   }
 * }
 * await using root = await driverHarness(Lamp);
 * await root.child("dut").call("on");
 * assert.deepEqual(await Array.fromAsync(root.child("dut").streamingCall("watch")), [true]);
 * ```
 * @module
 */
import type { Duplex } from "./stream.ts";
import type { ExportOptions, MethodInfo } from "./method_info.ts";

const marks = new WeakMap<object, Omit<MethodInfo, "name">>();

// deno-lint-ignore no-explicit-any
type AnyArgs = any[];
type Awaitable<T> = T | Promise<T>;
type NotIterable<T> = T extends AsyncIterable<unknown> ? never : T;

/** The decorator `@unary()` returns. */
export type UnaryDecorator = <This, Args extends AnyArgs, R>(
  target: (this: This, ...args: Args) => Awaitable<NotIterable<R>>,
  context: ClassMethodDecoratorContext<This>,
) => void;
/** The decorator `@streaming()` returns. */
export type StreamingDecorator = <This, Args extends AnyArgs, R>(
  target: (this: This, ...args: Args) => AsyncIterable<R>,
  context: ClassMethodDecoratorContext<This>,
) => void;
/** The decorator `@byteStream()` returns. */
export type ByteStreamDecorator = <This>(
  target: (this: This) => Awaitable<Duplex>,
  context: ClassMethodDecoratorContext<This>,
) => void;

/**
 * Exports a method as a unary call: its arguments and result are JSON values.
 *
 * @example
 * ```ts
 * import { Driver, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Thermometer extends Driver {
 *   @unary({ description: "Temperature in a unit", params: ["string?"] })
 *   read(unit = "C"): { value: number; unit: string } {
 *     return { value: unit === "F" ? 77 : 25, unit };
 *   }
 * }
 * await using root = await driverHarness(Thermometer);
 * assert.deepEqual(await root.child("dut").call("read", "F"), { value: 77, unit: "F" });
 * ```
 */
export function unary(options: ExportOptions = {}): UnaryDecorator {
  return function <This, Args extends AnyArgs, R>(
    target: (this: This, ...args: Args) => Awaitable<NotIterable<R>>,
    context: ClassMethodDecoratorContext<This>,
  ): void {
    marks.set(target, { kind: "unary", ...options });
    void context;
  };
}

/**
 * Exports an async generator as a server-streaming call: each yielded value is one response.
 *
 * @example
 * ```ts
 * import { Driver, streaming } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Counter extends Driver {
 *   @streaming({ description: "Count from 1 to n", params: ["number"] })
 *   async *count(n: number): AsyncGenerator<number> {
 *     for (let i = 1; i <= n; i++) yield i;
 *   }
 * }
 * await using root = await driverHarness(Counter);
 * const counted = await Array.fromAsync(root.child("dut").streamingCall<number>("count", 3));
 * assert.deepEqual(counted, [1, 2, 3]);
 * ```
 */
export function streaming(options: ExportOptions = {}): StreamingDecorator {
  return function <This, Args extends AnyArgs, R>(
    target: (this: This, ...args: Args) => AsyncIterable<R>,
    context: ClassMethodDecoratorContext<This>,
  ): void {
    marks.set(target, { kind: "streaming", ...options });
    void context;
  };
}

/**
 * Exports a byte stream: the method returns a duplex whose readable side goes to
 * the client and whose writable side receives what the client sends.
 *
 * @example
 * ```ts
 * import { byteStream, Driver, type Duplex, duplexPair, readAll } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Loopback extends Driver {
 *   @byteStream({ description: "Echo every byte back" })
 *   connect(): Duplex {
 *     const [client, device] = duplexPair();
 *     device.readable.pipeTo(device.writable).catch(() => {});
 *     return client;
 *   }
 * }
 * await using root = await driverHarness(Loopback);
 * const stream = await root.child("dut").stream("connect");
 * const writer = stream.writable.getWriter();
 * await writer.write(new TextEncoder().encode("ping"));
 * await writer.close();
 * assert.equal(new TextDecoder().decode(await readAll(stream.readable)), "ping");
 * ```
 */
export function byteStream(options: Omit<ExportOptions, "params"> = {}): ByteStreamDecorator {
  return function <This>(
    target: (this: This) => Awaitable<Duplex>,
    context: ClassMethodDecoratorContext<This>,
  ): void {
    marks.set(target, { kind: "stream", ...options });
    void context;
  };
}

const cache = new WeakMap<object, Map<string, MethodInfo>>();

/** The exported methods of a driver class, own and inherited, by name. */
export function exportedMethods(cls: { prototype: object }): Map<string, MethodInfo> {
  const hit = cache.get(cls);
  if (hit) return hit;
  const found = new Map<string, MethodInfo>();
  for (let p = cls.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (found.has(name) || name === "constructor") continue;
      const fn = Object.getOwnPropertyDescriptor(p, name)?.value;
      const mark = typeof fn === "function" ? marks.get(fn) : undefined;
      if (mark) found.set(name, { name, ...mark });
    }
  }
  cache.set(cls, found);
  return found;
}
