/**
 * The receiving side of a console: text decoded from the stream waits in an
 * `ExpectBuffer` until a match consumes it, and `expect()` loops wait on it
 * for more data or the end of the stream.
 *
 * @module
 */

/** What `expect()` found. */
export interface ExpectResult {
  /** The matched text. */
  match: string;
  /** Everything received between the previous match and this one. */
  before: string;
  /** Numbered capture groups of a RegExp pattern. */
  captures: string[];
  /** Named capture groups of a RegExp pattern. */
  groups?: Record<string, string>;
}

/** How much of the latest output a timeout error shows. */
const TAIL = 2048;

/** Received text not yet consumed, the latest output, and who waits for more. */
export class ExpectBuffer {
  readonly #waiters = new Set<() => void>();
  #pending = "";
  #tail = "";
  #ended = false;
  #failure?: unknown;

  /** Keeps at most `maxBuffer` unconsumed characters; older ones are dropped. */
  constructor(readonly maxBuffer: number) {}

  /** Received text no match has consumed yet. */
  get pending(): string {
    return this.#pending;
  }

  /** True once the stream ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Why the stream ended, if reading it failed. */
  get failure(): unknown {
    return this.#failure;
  }

  /** The latest output (up to 2 KB, consumed or not), quoted for an error message. */
  get shownTail(): string {
    return JSON.stringify(this.#tail);
  }

  /** Drops the unconsumed text. */
  clear(): void {
    this.#pending = "";
  }

  /** Adds received text and wakes the waiters. */
  push(text: string): void {
    this.#pending += text;
    if (this.#pending.length > this.maxBuffer) {
      this.#pending = this.#pending.slice(-this.maxBuffer);
    }
    this.#tail = (this.#tail + text).slice(-TAIL);
    this.#wake();
  }

  /** Marks the end of the stream (with the failure that ended it, if any) and wakes the waiters. */
  end(failure?: unknown): void {
    this.#failure = failure;
    this.#ended = true;
    this.#wake();
  }

  /**
   * Finds `pattern` (a RegExp without the `g` and `y` flags) in the pending
   * text and consumes everything up to the end of the match.
   */
  match(pattern: string | RegExp): ExpectResult | undefined {
    if (typeof pattern === "string") {
      const index = this.#pending.indexOf(pattern);
      if (index < 0) return undefined;
      return this.#consume(index, pattern, [], undefined);
    }
    const found = pattern.exec(this.#pending);
    if (!found) return undefined;
    return this.#consume(found.index, found[0], found.slice(1).map((c) => c ?? ""), found.groups);
  }

  /** Resolves on new data, the end of the stream, or after `ms`. */
  nextData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  #consume(
    index: number,
    match: string,
    captures: string[],
    groups: Record<string, string> | undefined,
  ): ExpectResult {
    const before = this.#pending.slice(0, index);
    this.#pending = this.#pending.slice(index + match.length);
    return groups
      ? { match, before, captures, groups: { ...groups } }
      : { match, before, captures };
  }
}
