/**
 * Copies between a console byte stream and local streams: the engine of
 * `jumpstarter serial pipe`, kept apart from the CLI so it can be tested.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";
import { writeAll } from "../../src/driver/write_all.ts";

/** Options of `pipeConsole()`. */
export interface PipeOptions {
  /** Bytes to send to the console; its end half-closes the stream. Omit to only read. */
  input?: ReadableStream<Uint8Array>;
  /** Where the console's output goes (left open afterwards, e.g. stdout). */
  output: WritableStream<Uint8Array>;
  /** A file that also receives the console's output (truncated first). */
  file?: string;
  /** Milliseconds to keep copying output after `input` ends (default 1000). */
  linger?: number;
  /** Stops the copy (Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * Copies `input` to the console and the console to `output` (and `file`)
 * until `input` ends (plus `linger`), the console stream ends, or `signal` aborts.
 */
export async function pipeConsole(duplex: Duplex, options: PipeOptions): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const file = options.file
    ? await Deno.open(options.file, { write: true, create: true, truncate: true })
    : undefined;
  try {
    const copyOut = copyOutput(duplex.readable, options.output, file, stop.signal);
    const copyIn = options.input
      ? options.input.pipeTo(duplex.writable, { signal: stop.signal })
        .then(() => lingerFor(options.linger ?? 1000, stop.signal))
      : lingerFor(Infinity, stop.signal);
    // Whichever ends first (input plus linger, output, or the signal) stops both.
    await Promise.race([copyOut, copyIn]).catch(() => {});
    stop.abort();
    const [output, input] = await Promise.allSettled([copyOut, copyIn]);
    if (output.status === "rejected") throw output.reason;
    if (input.status === "rejected" && !isAbort(input.reason)) throw input.reason;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    file?.close();
  }
}

async function copyOutput(
  readable: ReadableStream<Uint8Array>,
  output: WritableStream<Uint8Array>,
  file: Deno.FsFile | undefined,
  signal: AbortSignal,
): Promise<void> {
  const reader = readable.getReader();
  const writer = output.getWriter();
  const cancel = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) break;
      await writer.write(value);
      if (file) await writeAll(file, value);
    }
  } finally {
    signal.removeEventListener("abort", cancel);
    if (!signal.aborted) await reader.cancel().catch(() => {});
    reader.releaseLock();
    writer.releaseLock();
  }
}

/** Resolves after `ms` (never for Infinity) or when `signal` aborts. */
function lingerFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener("abort", done, { once: true });
  });
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
