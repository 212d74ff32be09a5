/**
 * Reading a byte stream up to a pattern or a byte count, with a deadline:
 * what arrives past the match stays for the next read, and a read that timed
 * out stays pending for the next call instead of losing its data.
 *
 * @module
 */

function matchEnd(text: string, pattern: string | RegExp): number | undefined {
  if (typeof pattern === "string") {
    const index = text.indexOf(pattern);
    return index < 0 ? undefined : index + pattern.length;
  }
  const found = pattern.exec(text);
  return found ? found.index + found[0].length : undefined;
}

/** Reads a byte stream as text up to a pattern, or as bytes up to a count. */
export class PatternReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pendingRead?: Promise<ReadableStreamReadResult<Uint8Array>>;
  #text = "";
  #bytes = new Uint8Array(0);
  readonly #decoder = new TextDecoder();

  /** Locks `readable`; `name` (a path) names the stream in errors. */
  constructor(readable: ReadableStream<Uint8Array>, readonly name: string) {
    this.#reader = readable.getReader();
  }

  /**
   * Reads until `pattern` shows up; returns the text up to the
   * end of the match and keeps the rest for the next call. Fails after
   * `timeout` ms with what arrived so far.
   */
  async readUntil(pattern: string | RegExp, timeout = 5000): Promise<string> {
    const deadline = performance.now() + timeout;
    while (true) {
      const end = matchEnd(this.#text, pattern);
      if (end !== undefined) {
        const found = this.#text.slice(0, end);
        this.#text = this.#text.slice(end);
        return found;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `Timed out after ${timeout} ms waiting for ${
            typeof pattern === "string" ? JSON.stringify(pattern) : pattern
          } on ${this.name}; got ${JSON.stringify(this.#text)}`,
        );
      }
      const next = await this.#readWithin(left);
      if (next === undefined) continue;
      if (next.done) throw new Error(`${this.name} closed while waiting for ${pattern}`);
      this.#text += this.#decoder.decode(next.value, { stream: true });
    }
  }

  /** The next read of the stream, or undefined if none came within `ms` (it stays pending). */
  async #readWithin(ms: number): Promise<ReadableStreamReadResult<Uint8Array> | undefined> {
    this.#pendingRead ??= this.#reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = await Promise.race([
      this.#pendingRead,
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
    ]);
    clearTimeout(timer);
    if (next !== undefined) this.#pendingRead = undefined;
    return next;
  }

  /**
   * Reads exactly `count` bytes (for binary data; use either this or
   * `readUntil()` on one reader). Fails after `timeout` ms.
   */
  async readBytes(count: number, timeout = 5000): Promise<Uint8Array> {
    const deadline = performance.now() + timeout;
    while (this.#bytes.byteLength < count) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `Timed out after ${timeout} ms waiting for ${count} bytes on ${this.name}; got ${this.#bytes.byteLength}`,
        );
      }
      const next = await this.#readWithin(left);
      if (next === undefined) continue;
      if (next.done) throw new Error(`${this.name} closed while waiting for ${count} bytes`);
      const joined = new Uint8Array(this.#bytes.byteLength + next.value.byteLength);
      joined.set(this.#bytes);
      joined.set(next.value, this.#bytes.byteLength);
      this.#bytes = joined;
    }
    const out = this.#bytes.slice(0, count);
    this.#bytes = this.#bytes.slice(count);
    return out;
  }

  /** Cancels the stream. */
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}
