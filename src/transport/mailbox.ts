/**
 * A queue that one side pushes into and a server-streaming handler drains,
 * ending when the call's signal aborts.
 *
 * @module
 */

/** Push messages in; iterate them out until `signal` aborts or `close()`. */
export class Mailbox<T> {
  readonly #items: T[] = [];
  #wake?: () => void;
  #closed = false;

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *drain(signal: AbortSignal): AsyncGenerator<T> {
    const onAbort = () => this.close();
    signal.addEventListener("abort", onAbort);
    try {
      while (true) {
        while (this.#items.length > 0) yield this.#items.shift()!;
        if (this.#closed || signal.aborted) return;
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}
