/**
 * Running a device's tool (`fastboot`, `openocd`, `sispmctl`, `uhubctl`...) to the end:
 * its output collected, a time limit, the process killed when the driver
 * closes, and a failure as one line with the tool's last words.
 *
 * @module
 */
import { DriverError } from "./driver_error.ts";
import { DriverTimeoutError, UnavailableError } from "./errors.ts";
import { lastLine } from "./last_line.ts";

/** What a finished tool printed. */
export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** Runs tools and kills those still running on `killAll()`. */
export class ToolRunner {
  readonly #running = new Set<Deno.ChildProcess>();

  /**
   * Runs `program args`; resolves to its output when it exits 0. A non-zero
   * exit fails naming `what`, the status and the line `explain` picks from
   * its output (default: the last line). `onLine` sees every line as it
   * comes (for progress); aborting `signal` kills the tool and fails with
   * the signal's reason.
   */
  async run(
    program: string,
    args: string[],
    options: {
      what: string;
      timeout: number;
      onLine?: (line: string) => void;
      explain?: (output: string) => string | undefined;
      signal?: AbortSignal;
      cwd?: string;
      env?: Record<string, string>;
    },
  ): Promise<ToolOutput> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        cwd: options.cwd,
        env: options.env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new UnavailableError(`Cannot run ${options.what} ("${program}"): ${String(error)}`);
    }
    this.#running.add(child);
    const abort = () => child.kill("SIGKILL");
    options.signal?.addEventListener("abort", abort, { once: true });
    let timedOut = false;
    const timer = options.timeout > 0
      ? setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, options.timeout * 1000)
      : undefined;
    try {
      const [stdout, stderr, status] = await Promise.all([
        collect(child.stdout, options.onLine),
        collect(child.stderr, options.onLine),
        child.status,
      ]);
      if (options.signal?.aborted) throw options.signal.reason;
      if (timedOut) {
        throw new DriverTimeoutError(`${options.what} did not finish within ${options.timeout} s`);
      }
      if (!status.success) {
        const detail = options.explain?.(`${stdout}\n${stderr}`) || lastLine(stderr) ||
          lastLine(stdout) || "no output";
        const how = status.signal
          ? `was killed (${status.signal})`
          : `exited with status ${status.code}`;
        throw new DriverError("unknown", `${options.what} ${how}: ${detail}`);
      }
      return { stdout, stderr };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", abort);
      this.#running.delete(child);
    }
  }

  /** Kills every tool still running. */
  killAll(): void {
    for (const child of this.#running) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  onLine?: (line: string) => void,
): Promise<string> {
  let text = "";
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (!onLine) continue;
    pending += chunk;
    const lines = pending.split(/\r?\n|\r/);
    pending = lines.pop()!;
    for (const line of lines) if (line.trim()) onLine(line);
  }
  if (onLine && pending.trim()) onLine(pending);
  return text;
}
