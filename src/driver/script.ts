/**
 * Streams a configured shell script run on the exporter host, for drivers
 * whose operator configures commands (`shell.Shell`,
 * `storage.CommandStorageMux`): each in its own process group, so a timeout
 * or a cancelled call kills everything the script started, with output
 * streamed as it comes. `runScript()` (`run_script.ts`) waits for the end.
 *
 * @module
 */
import { killGroup } from "./process_group.ts";

/** How a script runs. */
export interface ScriptOptions {
  /** The shell and its flag, e.g. `["/bin/sh", "-c"]` (the script follows, then `$0`, `$1`...). */
  shell: readonly string[];
  /** `$0` of the script (its method name). */
  name?: string;
  /** Positional arguments `$1`, `$2`... */
  args?: readonly string[];
  cwd?: string;
  /** Added to the exporter's environment. */
  env?: Record<string, string>;
  /** Seconds before the process group is killed; 0 for no limit. */
  timeout: number;
  /** Kills the process group when aborted (the client went away). */
  signal?: AbortSignal;
}

/** One piece of output; the last one carries the exit status (upstream's tuple shape). */
export interface ScriptOutput {
  stdout: string;
  stderr: string;
  /** Null until the script ended; then its exit status (128 + signal if killed, 124 on timeout). */
  code: number | null;
  /** Set on the last chunk when the script was killed for running past its timeout. */
  timedOut?: boolean;
}

/** Exit status reported when a script ran past its timeout (as coreutils `timeout`). */
export const TIMEOUT_STATUS = 124;

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/**
 * Runs `script` and yields its output as it arrives, then a last chunk with
 * the exit status. Stopping the iteration early kills the process group.
 */
export async function* streamScript(
  script: string,
  options: ScriptOptions,
): AsyncGenerator<ScriptOutput> {
  const [shell, ...flags] = options.shell;
  const child = new Deno.Command(shell, {
    args: [...flags, script, options.name ?? "sh", ...(options.args ?? [])],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const queue: ScriptOutput[] = [];
  let wake: (() => void) | undefined;
  const push = (chunk: ScriptOutput) => {
    queue.push(chunk);
    wake?.();
  };
  const drain = async (readable: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const bytes of readable) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) push({ stdout: "", stderr: "", code: null, [key]: text });
    }
    const rest = decoder.decode();
    if (rest) push({ stdout: "", stderr: "", code: null, [key]: rest });
  };
  let timedOut = false;
  let escalate: ReturnType<typeof setTimeout> | undefined;
  const timer = options.timeout > 0
    ? setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGTERM");
      escalate = setTimeout(() => killGroup(child, "SIGKILL"), 2000);
    }, options.timeout * 1000)
    : undefined;
  const onAbort = () => killGroup(child);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const drained = Promise.all([drain(child.stdout, "stdout"), drain(child.stderr, "stderr")]);
  let ended = false;
  const finished = Promise.all([drained, child.status]).finally(() => {
    ended = true;
    wake?.();
  });
  let completed = false;
  try {
    while (true) {
      while (queue.length > 0) yield queue.shift()!;
      if (ended) break;
      await new Promise<void>((resolve) => wake = resolve);
      wake = undefined;
    }
    const [, status] = await finished;
    completed = true;
    if (timedOut) {
      yield {
        stdout: "",
        stderr: `Timed out after ${options.timeout} s: killed ${options.name ?? "the script"}\n`,
        code: TIMEOUT_STATUS,
        timedOut: true,
      };
      return;
    }
    const code = status.signal ? 128 + (SIGNAL_NUMBERS[status.signal] ?? 0) : status.code;
    yield { stdout: "", stderr: "", code };
  } finally {
    clearTimeout(timer);
    clearTimeout(escalate);
    options.signal?.removeEventListener("abort", onAbort);
    if (!completed) {
      killGroup(child);
      await finished.catch(() => {});
    }
  }
}
