/**
 * How `Console.run()` runs one shell command at a prompt: its options and
 * result, and the markers echoed before and after the command that delimit
 * its output and carry its exit status.
 *
 * @module
 */
import type { ExpectResult } from "./expect_buffer.ts";

/** Options of `run()`. */
export interface RunOptions {
  /** Milliseconds the whole command may take (default: the console's, 10000). */
  timeout?: number;
  /** A prompt to wait for after the command (default: the console's `prompt`, if any). */
  prompt?: string | RegExp;
}

/** What a command printed and how it exited. */
export interface RunResult {
  /** Its output, line endings as `\n`, without the final newline. */
  output: string;
  /** Its exit status (`$?`). */
  status: number;
}

/** The command line of one run and the patterns of its two markers. */
export interface RunMarkers {
  /** What to send: `cmd` between two echoed markers, the second followed by `$?`. */
  line: string;
  /** The first marker as the shell prints it (the echoed command line never matches). */
  start: RegExp;
  /** The second marker; its capture is the exit status. */
  end: RegExp;
}

/**
 * Markers with a fresh id for `cmd`, written split as `JMP""…` in the command
 * line so that its echo never matches; `cmd` must be a complete command for
 * `;` to follow.
 */
export function runMarkers(cmd: string): RunMarkers {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  const marker = `JMP${id}`;
  const split = `JMP""${id}`;
  return {
    line: `echo ${split}; ${cmd}; echo ${split}$?`,
    start: new RegExp(`${marker}\\r?\\n`),
    end: new RegExp(`${marker}(\\d+)\\r?\\n`),
  };
}

/** The result of a run from the match of its end marker. */
export function runResult(end: ExpectResult): RunResult {
  const output = end.before.replaceAll("\r\n", "\n").replace(/\n$/, "");
  return { output, status: Number(end.captures[0]) };
}
