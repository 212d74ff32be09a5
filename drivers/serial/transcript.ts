/**
 * A timestamped record of a console session: every line received and sent,
 * for test reports and post-mortems.
 *
 * @module
 */

/** Which way a line went. */
export type Direction = "received" | "sent";

/** One line of a transcript (the last one of each direction may still be growing). */
export interface TranscriptLine {
  /** When the line's first character arrived or left. */
  time: Date;
  direction: Direction;
  /** The line without its line ending. */
  text: string;
}

/**
 * Lines in the order they started. Sent and received text are kept apart, so
 * a typed command and the device's echo of it show as separate lines.
 *
 * @example
 * ```ts
 * import { Transcript } from "./transcript.ts";
 * const transcript = new Transcript();
 * transcript.record("sent", "uname\n");
 * transcript.record("received", "Linux\r\n");
 * transcript.text(); // "12:00:00.000 > uname\n12:00:00.001 < Linux\n"
 * ```
 */
export class Transcript {
  readonly #lines: TranscriptLine[] = [];
  readonly #open: Partial<Record<Direction, TranscriptLine>> = {};

  /** Keeps at most `maxLines` lines, dropping the oldest. */
  constructor(readonly maxLines = 100_000) {}

  /** Adds text that went `direction`; `\r\n`, `\n` end a line, a lone `\r` is dropped. */
  record(direction: Direction, text: string): void {
    const parts = text.replaceAll("\r", "").split("\n");
    parts.forEach((part, i) => {
      let line = this.#open[direction];
      if (!line && (part !== "" || i < parts.length - 1)) {
        line = { time: new Date(), direction, text: "" };
        this.#lines.push(line);
        if (this.#lines.length > this.maxLines) this.#lines.shift();
        this.#open[direction] = line;
      }
      if (line) line.text += part;
      if (i < parts.length - 1) delete this.#open[direction];
    });
  }

  /** The lines so far. */
  lines(): readonly TranscriptLine[] {
    return this.#lines;
  }

  /**
   * The transcript as text: `HH:MM:SS.mmm < received` and `HH:MM:SS.mmm > sent`
   * (UTC), control characters shown as `\xNN`.
   */
  text(): string {
    return this.#lines
      .map((line) =>
        `${line.time.toISOString().slice(11, 23)} ${line.direction === "sent" ? ">" : "<"} ${
          visible(line.text)
        }\n`
      )
      .join("");
  }
}

/** Shows control characters as `\xNN` so escapes and stray bytes are visible. */
export function visible(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x08\x0b-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
