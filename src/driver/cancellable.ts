/**
 * `cancellable`: an async iterable a streaming method returns with a way for
 * the exporter to interrupt it (`CANCEL`).
 *
 * @module
 */

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
