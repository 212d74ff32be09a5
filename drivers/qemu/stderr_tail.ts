/**
 * `StderrTail`: the last few KiB QEMU wrote to stderr, kept to explain in
 * an error message why it did not start.
 *
 * @module
 */

/** Most stderr kept from QEMU for error messages. */
const STDERR_TAIL = 4096;

/** Collects the end of a QEMU process's stderr. */
export class StderrTail {
  #text = "";

  /** Reads `stream` to its end, keeping its last `STDERR_TAIL` characters. */
  async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#text = (this.#text + decoder.decode(chunk, { stream: true })).slice(-STDERR_TAIL);
      }
    } catch {
      // The pipe closed.
    }
  }

  /** `; qemu said: …` with the last three lines, or nothing when it said nothing. */
  note(): string {
    const text = this.#text.trim();
    return text ? `; qemu said: ${text.split("\n").slice(-3).join(" | ")}` : "";
  }
}
