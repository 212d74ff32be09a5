/**
 * The detach key of the interactive terminal: `EscapeDetector` counts Ctrl-B
 * presses across typed chunks, holds them back while they might be the escape,
 * and reports when `ESCAPE_COUNT` came in a row.
 *
 * @module
 */

/** The byte that, pressed `ESCAPE_COUNT` times in a row, detaches (Ctrl-B). */
export const ESCAPE_BYTE = 0x02;
/** How many escape bytes in a row detach. */
export const ESCAPE_COUNT = 3;

/**
 * Splits typed bytes into what to send now, counting escape bytes across
 * chunks; reports when the escape sequence is complete.
 */
export class EscapeDetector {
  #held = 0;

  /** Escape bytes held back, not yet sent. */
  get held(): number {
    return this.#held;
  }

  /** Returns the bytes to send and whether the user asked to detach. */
  feed(chunk: Uint8Array): { send: Uint8Array; detach: boolean } {
    const send: number[] = [];
    for (const byte of chunk) {
      if (byte === ESCAPE_BYTE) {
        if (++this.#held === ESCAPE_COUNT) {
          this.#held = 0;
          return { send: Uint8Array.from(send), detach: true };
        }
        continue;
      }
      for (; this.#held > 0; this.#held--) send.push(ESCAPE_BYTE);
      send.push(byte);
    }
    return { send: Uint8Array.from(send), detach: false };
  }

  /** The held escape bytes, to send when no more follow; resets the count. */
  flush(): Uint8Array {
    const bytes = new Uint8Array(this.#held).fill(ESCAPE_BYTE);
    this.#held = 0;
    return bytes;
  }
}
