/**
 * Reads a response stream ahead of its consumer. Deno's `node:http2` client
 * may close a stream whose last messages are still unread, which connect-node
 * then reports as "Premature close" instead of the call's end; keeping a read
 * pending at all times (up to `limit` buffered messages) avoids that for any
 * consumer slower than the exporter, such as one writing each message to a pipe.
 *
 * @module
 */

/**
 * Yields what `source` yields, reading up to `limit` items ahead. Stopping early
 * leaves a pending read behind: cancel the call (its signal) to end it.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, limit = 256): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const buffered: T[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  let stopped = false;
  void (async () => {
    try {
      while (!stopped) {
        if (buffered.length >= limit) {
          await new Promise<void>((resolve) => wakeReader = resolve);
          continue;
        }
        const next = await iterator.next();
        if (next.done) break;
        buffered.push(next.value);
        wakeConsumer?.();
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wakeConsumer?.();
    }
  })();
  try {
    while (true) {
      if (buffered.length > 0) {
        const item = buffered.shift()!;
        wakeReader?.();
        yield item;
        continue;
      }
      if (failure) throw failure.error;
      if (finished) return;
      await new Promise<void>((resolve) => wakeConsumer = resolve);
      wakeConsumer = undefined;
    }
  } finally {
    // Not awaited: a read still pending ends when the caller cancels the call.
    stopped = true;
    wakeReader?.();
    if (!finished) void iterator.return?.()?.catch?.(() => {});
  }
}
