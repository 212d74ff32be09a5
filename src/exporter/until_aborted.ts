/**
 * Ending a driver's streaming iteration when its call is cancelled, even
 * while the driver is waiting to produce the next item.
 *
 * @module
 */
import { CANCEL, type Cancellable } from "../driver/cancellable.ts";

/**
 * Ends an iteration when `signal` aborts, even while the source is waiting;
 * a source with a `CANCEL` function is told to stop its work.
 */
export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const cancel = (source as Partial<Cancellable<T>>)[CANCEL];
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    const stop = () => {
      resolve({ done: true, value: undefined });
      cancel?.call(source);
    };
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
  });
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void iterator.return?.()?.catch?.(() => {});
  }
}
