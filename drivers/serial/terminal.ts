/**
 * An interactive terminal on a console byte stream: the engine of
 * `jumpstarter serial console`. Keys go to the device as typed (the local
 * terminal is raw, so Ctrl-C reaches the device too); pressing Ctrl-B three
 * times in a row detaches. The local terminal mode is restored on every way
 * out: the escape, the end of input, the console going away, a signal, an error.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";
import { EscapeDetector } from "./escape_detector.ts";

/** A lone Ctrl-B is held back this long in case more follow, then sent. */
const HOLD_MS = 500;

/** Why `attachTerminal()` returned. */
export type DetachReason = "escape" | "input-ended" | "console-ended" | "signal";

/** Options of `attachTerminal()`. */
export interface TerminalOptions {
  /** Keys typed locally (stdin). */
  input: ReadableStream<Uint8Array>;
  /** Where the console's output goes (stdout); called once per chunk. */
  write: (bytes: Uint8Array) => Promise<unknown>;
  /** Switches the local terminal in and out of raw mode (`Deno.stdin.setRaw`). */
  setRaw?: (raw: boolean) => void;
  /** Detaches when aborted (SIGTERM, SIGHUP). */
  signal?: AbortSignal;
}

/** Connects the local terminal to `duplex` until a detach; returns why it ended. */
export async function attachTerminal(
  duplex: Duplex,
  options: TerminalOptions,
): Promise<DetachReason> {
  const stop = new AbortController();
  let reason: DetachReason | undefined;
  const finish = (why: DetachReason) => {
    reason ??= why;
    stop.abort();
  };
  const onSignal = () => finish("signal");
  options.signal?.addEventListener("abort", onSignal, { once: true });
  if (options.signal?.aborted) finish("signal");
  const writer = duplex.writable.getWriter();
  const consoleReader = duplex.readable.getReader();
  const inputReader = options.input.getReader();
  const stopReaders = () => {
    consoleReader.cancel().catch(() => {});
    inputReader.cancel().catch(() => {});
  };
  stop.signal.addEventListener("abort", stopReaders, { once: true });
  const escape = new EscapeDetector();
  let hold: ReturnType<typeof setTimeout> | undefined;
  options.setRaw?.(true);
  try {
    const copyOut = (async () => {
      try {
        while (!stop.signal.aborted) {
          const { value, done } = await consoleReader.read();
          if (done) break;
          await options.write(value);
        }
      } finally {
        finish("console-ended");
      }
    })();
    const copyIn = (async () => {
      try {
        while (!stop.signal.aborted) {
          const { value, done } = await inputReader.read();
          if (done) break;
          clearTimeout(hold);
          const { send, detach } = escape.feed(value);
          if (send.byteLength > 0) await writer.write(send);
          if (detach) return finish("escape");
          if (escape.held > 0) {
            hold = setTimeout(() => {
              const held = escape.flush();
              if (held.byteLength > 0) writer.write(held).catch(() => {});
            }, HOLD_MS);
          }
        }
      } finally {
        finish("input-ended");
      }
    })();
    const [output] = await Promise.allSettled([copyOut, copyIn]);
    // The console failing is worth reporting; a user detaching is not.
    if (reason === "console-ended" && output.status === "rejected") throw output.reason;
    return reason ?? "console-ended";
  } finally {
    clearTimeout(hold);
    stop.abort();
    options.signal?.removeEventListener("abort", onSignal);
    options.setRaw?.(false);
    writer.close().catch(() => {});
    writer.releaseLock();
    consoleReader.releaseLock();
    inputReader.releaseLock();
  }
}
