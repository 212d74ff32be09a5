/**
 * Marks which driver methods are callable from a client, and how:
 * `@unary` (one request, one result), `@streaming` (one request, a stream of
 * results) and `@byteStream` (a raw bidirectional byte stream, like upstream's
 * `connect`). The decorators check the method's shape at compile time.
 *
 * @example
 * ```ts
 * import { Driver, unary, streaming } from "./mod.ts";
 * class Lamp extends Driver {
 *   static override client = "example.LampClient";
 *   #lit = false;
 *   @unary({ description: "Switch the lamp on" })
 *   on(): void { this.#lit = true; }
 *   @streaming({ description: "Report the state every second" })
 *   async *watch(): AsyncGenerator<boolean> { yield this.#lit; }
 * }
 * ```
 * @module
 */
import type { Duplex } from "./stream.ts";

/** How a method is called over the wire. */
export type MethodKind = "unary" | "streaming" | "stream";

/** A type name for one positional argument; a trailing `?` makes it optional. */
export type ParamType =
  | "string"
  | "number"
  | "boolean"
  | "object"
  | "array"
  | "any"
  | "string?"
  | "number?"
  | "boolean?"
  | "object?"
  | "array?"
  | "any?";

/** Options for an exported method. */
export interface ExportOptions {
  /** One line shown in GetReport's method descriptions and CLI help. */
  description?: string;
  /**
   * Argument types, checked before the method runs (a mismatch is INVALID_ARGUMENT).
   * Without it only the count is checked, against the method's declared parameters.
   */
  params?: ParamType[];
}

/** What the exporter knows of an exported method. */
export interface MethodInfo extends ExportOptions {
  name: string;
  kind: MethodKind;
}

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

/** Exports a method as a unary call: its arguments and result are JSON values. */
export function unary(options: ExportOptions = {}): UnaryDecorator {
  return function <This, Args extends AnyArgs, R>(
    target: (this: This, ...args: Args) => Awaitable<NotIterable<R>>,
    context: ClassMethodDecoratorContext<This>,
  ): void {
    marks.set(target, { kind: "unary", ...options });
    void context;
  };
}

/** Exports an async generator as a server-streaming call: each yielded value is one response. */
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

/**
 * A streaming method may return an async iterable with a function under this
 * key: the exporter calls it when the client goes away, to stop work that the
 * iterator's `return()` cannot reach while it waits (an async generator runs
 * `return()` only after its pending `next()` settles).
 */
export const CANCEL: unique symbol = Symbol.for("jumpstarter.cancel");

/** An async iterable the exporter can interrupt through `CANCEL`. */
export type Cancellable<T> = AsyncIterable<T> & { [CANCEL](): void };

/** Pairs `source` with the function that interrupts it. */
export function cancellable<T>(source: AsyncIterable<T>, cancel: () => void): Cancellable<T> {
  return { [Symbol.asyncIterator]: () => source[Symbol.asyncIterator](), [CANCEL]: cancel };
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
