/**
 * A one-line progress bar on stderr for long transfers. On a terminal it
 * redraws in place; elsewhere it stays silent (pipes and CI logs stay clean).
 *
 * @module
 */

const encoder = new TextEncoder();

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** Draws `label [#####.....] 42% 10.0/24.0 MB 80.1 MB/s`. */
export class ProgressBar {
  readonly #start = performance.now();
  #last = 0;
  #drawn = false;

  constructor(
    readonly label: string,
    readonly enabled: boolean = Deno.stderr.isTerminal(),
    readonly width = 30,
  ) {}

  /** Records progress; redraws at most every 100 ms. */
  update(done: number, total?: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.#last < 100 && (total === undefined || done < total)) return;
    this.#last = now;
    const seconds = Math.max((now - this.#start) / 1000, 0.001);
    const rate = `${mb(done / seconds)} MB/s`;
    let line: string;
    if (total) {
      const ratio = Math.min(done / total, 1);
      const filled = Math.round(ratio * this.width);
      line = `${this.label} [${"#".repeat(filled)}${".".repeat(this.width - filled)}] ${
        Math.floor(ratio * 100)
      }% ${mb(done)}/${mb(total)} MB ${rate}`;
    } else {
      line = `${this.label} ${mb(done)} MB ${rate}`;
    }
    Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line}`));
    this.#drawn = true;
  }

  /** Ends the line (keeps the final state visible). */
  done(): void {
    if (this.#drawn) Deno.stderr.writeSync(encoder.encode("\n"));
    this.#drawn = false;
  }
}
