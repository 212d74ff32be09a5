/**
 * Holding an output line: a GPIO line requested through the character
 * device falls back when the requesting process exits, so `gpioset` keeps
 * running while the line is driven, and is replaced at each change.
 *
 * @module
 */
import { UnavailableError } from "../../src/driver/errors.ts";
import { lastLine } from "../../src/driver/last_line.ts";

/** How long a `gpioset` that failed takes to exit; one still running then holds the line. */
const SETTLE_MS = 150;

/** The one `gpioset` holding the line, if any. */
export class LineHolder {
  #child?: Deno.ChildProcess;

  /** Starts `program args` to hold the line, stopping the previous holder first. */
  async hold(program: string, args: string[], what: string): Promise<void> {
    await this.release();
    const child = new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      child.status,
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), SETTLE_MS)),
    ]);
    clearTimeout(timer);
    if (exited !== undefined) {
      const detail = lastLine(await stderr) || `exited with status ${exited.code}`;
      throw new UnavailableError(`${what} failed: ${detail}`);
    }
    this.#child = child;
    // Drain its error output; it ends when the holder is stopped.
    stderr.catch(() => {});
  }

  /** Stops the holder: the line falls back to its default. */
  async release(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
  }
}
