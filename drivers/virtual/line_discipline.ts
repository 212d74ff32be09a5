/**
 * `LineDiscipline`: the virtual board's tty in canonical mode with echo.
 * It edits the line being typed (backspace, ^C, escape sequences swallowed)
 * and hands each entered line to the program reading the tty.
 *
 * @module
 */

/** What the line discipline tells the program reading the tty. */
export interface LineReader {
  /** Writes to the console (the echo). */
  print(text: string): void;
  /** A line was entered (Enter, after its echo). */
  line(text: string): void;
  /** ^C dropped the line being typed. */
  interrupt(): void;
  /** ^D on an empty line. */
  endOfFile(): void;
}

/** Line editing with echo, one typed character at a time. */
export class LineDiscipline {
  #line = "";
  #afterCR = false;
  #escape: "" | "esc" | "csi" = "";

  constructor(readonly reader: LineReader) {}

  /** Handles one typed character. */
  key(char: string): void {
    // Escape sequences (arrow keys...) are swallowed: this tty has no line history.
    if (this.#escape === "esc") {
      this.#escape = char === "[" ? "csi" : "";
      return;
    }
    if (this.#escape === "csi") {
      if (char >= "@" && char <= "~") this.#escape = "";
      return;
    }
    const afterCR = this.#afterCR;
    this.#afterCR = char === "\r";
    if (char === "\x1b") {
      this.#escape = "esc";
    } else if (char === "\n" && afterCR) {
      // "\r\n" is one Enter.
    } else if (char === "\r" || char === "\n") {
      this.reader.print("\r\n");
      const line = this.#line;
      this.#line = "";
      this.reader.line(line);
    } else if (char === "\x7f" || char === "\b") {
      if (this.#line) {
        this.#line = Array.from(this.#line).slice(0, -1).join("");
        this.reader.print("\b \b");
      }
    } else if (char === "\x03") {
      this.#line = "";
      this.reader.print("^C\r\n");
      this.reader.interrupt();
    } else if (char === "\x04" && this.#line === "") {
      this.reader.endOfFile();
    } else if (char >= " " || char === "\t") {
      this.#line += char;
      this.reader.print(char);
    }
  }
}
