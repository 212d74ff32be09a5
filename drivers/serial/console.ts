/**
 * Automates a byte-stream console the way pexpect and labgrid do: send text,
 * wait for patterns, run shell commands and read their exit status. Works on
 * any `Duplex` (a serial driver's `connect` stream, a test's `duplexPair()`).
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";
import { DriverTimeoutError, UnavailableError } from "../../src/driver/errors.ts";
import { ExpectBuffer, type ExpectResult } from "./expect_buffer.ts";
import { runMarkers, type RunOptions, type RunResult, runResult } from "./shell_run.ts";
import { Transcript } from "./transcript.ts";

/** Options of a `Console`. */
export interface ConsoleOptions {
  /** What `sendLine()` appends (default `"\n"`; some bootloaders want `"\r"`). */
  newline?: string;
  /** Default timeout of `expect()`, `waitForPrompt()` and `run()` in ms (default 10000). */
  timeout?: number;
  /** The shell prompt `run()` waits for after a command, unless given per call. */
  prompt?: string | RegExp;
  /** Most unconsumed characters kept; older ones are dropped (default 1 MiB). */
  maxBuffer?: number;
  /**
   * A file that receives the transcript when the console closes and whenever
   * an `expect()`, `waitForPrompt()` or `run()` fails (the error names it), so
   * a failing test leaves the whole session behind.
   */
  transcriptFile?: string | URL;
}

/** Options of one `expect()`. */
export interface ExpectOptions {
  /** Milliseconds to wait (default: the console's, 10000). */
  timeout?: number;
}

/**
 * A console session over a byte stream. Received text is decoded as UTF-8
 * and kept until an `expect()` consumes it.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await using serial = await dut.serial.open();
 * await dut.power.on();
 * await serial.expect(/login: /, { timeout: 30_000 });
 * await serial.sendLine("root");
 * await serial.expect("# ");
 * const { output, status } = await serial.run("uname -s");
 * assert.deepEqual([output, status], ["Linux", 0]);
 * ```
 */
export class Console implements AsyncDisposable {
  /** Everything received and sent, line by line with timestamps. */
  readonly transcript: Transcript = new Transcript();
  readonly newline: string;
  readonly timeout: number;
  readonly prompt?: string | RegExp;
  readonly maxBuffer: number;
  readonly transcriptFile?: string | URL;

  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();
  readonly #pump: Promise<void>;
  readonly #received: ExpectBuffer;
  #closed = false;

  constructor(duplex: Duplex, options: ConsoleOptions = {}) {
    this.newline = options.newline ?? "\n";
    this.timeout = options.timeout ?? 10_000;
    this.prompt = options.prompt;
    this.maxBuffer = options.maxBuffer ?? 1024 * 1024;
    this.transcriptFile = options.transcriptFile;
    this.#received = new ExpectBuffer(this.maxBuffer);
    this.#reader = duplex.readable.getReader();
    this.#writer = duplex.writable.getWriter();
    this.#pump = this.#receiveAll();
  }

  /** Received text no `expect()` has consumed yet. */
  get buffer(): string {
    return this.#received.pending;
  }

  /** Sends text (encoded as UTF-8) or bytes as they are. */
  async send(data: string | Uint8Array): Promise<void> {
    if (this.#closed) throw new Error("Cannot send on a closed console");
    const bytes = typeof data === "string" ? this.#encoder.encode(data) : data;
    this.transcript.record(
      "sent",
      typeof data === "string" ? data : new TextDecoder().decode(data),
    );
    await this.#writer.write(bytes);
  }

  /** Sends `text` followed by the console's newline. */
  async sendLine(text = ""): Promise<void> {
    await this.send(text + this.newline);
  }

  /**
   * Waits until `pattern` appears in the received text, consumes everything
   * up to the end of the match and returns it. Times out with a
   * `DriverTimeoutError` showing the latest output.
   */
  async expect(pattern: string | RegExp, options: ExpectOptions = {}): Promise<ExpectResult> {
    const timeout = options.timeout ?? this.timeout;
    const regex = typeof pattern === "string"
      ? undefined
      : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    const deadline = performance.now() + timeout;
    while (true) {
      const found = this.#received.match(regex ?? pattern);
      if (found) return found;
      if (this.#received.ended) {
        throw new UnavailableError(
          `Console stream ended while waiting for ${
            describe(pattern)
          }; last output: ${this.#received.shownTail}${this.#savedNote()}`,
          { cause: this.#received.failure },
        );
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw this.#timeoutError(`waiting for ${describe(pattern)}`, timeout);
      await this.#received.nextData(remaining);
    }
  }

  /**
   * Drops unconsumed text, sends a newline and waits for `prompt`, sending
   * another newline every `interval` ms (default 1000) until `timeout`: a
   * device still booting ignores the first ones.
   */
  async waitForPrompt(
    prompt: string | RegExp,
    options: ExpectOptions & { interval?: number } = {},
  ): Promise<ExpectResult> {
    const timeout = options.timeout ?? this.timeout;
    const interval = options.interval ?? 1000;
    const deadline = performance.now() + timeout;
    this.#received.clear();
    while (true) {
      await this.sendLine();
      const remaining = deadline - performance.now();
      try {
        return await this.expect(prompt, { timeout: Math.max(0, Math.min(interval, remaining)) });
      } catch (error) {
        if (!(error instanceof DriverTimeoutError)) throw error;
        if (performance.now() >= deadline) {
          throw this.#timeoutError(`waiting for the prompt ${describe(prompt)}`, timeout);
        }
      }
    }
  }

  /**
   * Runs a shell command at the prompt and returns its output and exit
   * status. Markers echoed before and after the command (written split as
   * `JMP""…` so the echoed command line never matches) delimit the output;
   * `cmd` must be a complete command for `;` to follow.
   */
  async run(cmd: string, options: RunOptions = {}): Promise<RunResult> {
    if (cmd.trim() === "") throw new TypeError("Cannot run an empty command on the console");
    const timeout = options.timeout ?? this.timeout;
    const prompt = options.prompt ?? this.prompt;
    const deadline = performance.now() + timeout;
    const markers = runMarkers(cmd);
    const left = () => Math.max(0, deadline - performance.now());
    await this.sendLine(markers.line);
    try {
      await this.expect(markers.start, { timeout: left() });
      const end = await this.expect(markers.end, { timeout: left() });
      if (prompt !== undefined) await this.expect(prompt, { timeout: left() });
      return runResult(end);
    } catch (error) {
      if (error instanceof DriverTimeoutError) {
        throw this.#timeoutError(`waiting for \`${cmd}\` to finish`, timeout);
      }
      throw error;
    }
  }

  /** Writes `transcript.text()` to a file. */
  async saveTranscript(path: string | URL): Promise<void> {
    await Deno.writeTextFile(path, this.transcript.text());
  }

  /**
   * Stops reading and half-closes the stream; pending `expect()` calls fail.
   * Writes the transcript file, if one was given. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Not awaited: a peer that stopped reading must not hold the close up.
    this.#writer.close().catch(() => {});
    await this.#reader.cancel().catch(() => {});
    await this.#pump;
    if (this.transcriptFile !== undefined) await this.saveTranscript(this.transcriptFile);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #receiveAll(): Promise<void> {
    const decoder = new TextDecoder();
    let failure: unknown;
    try {
      while (true) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        this.#receive(decoder.decode(value, { stream: true }));
      }
      this.#receive(decoder.decode());
    } catch (error) {
      failure = error;
    } finally {
      this.#received.end(failure);
    }
  }

  #receive(text: string): void {
    if (text === "") return;
    this.transcript.record("received", text);
    this.#received.push(text);
  }

  #timeoutError(what: string, timeout: number): DriverTimeoutError {
    return new DriverTimeoutError(
      `Timed out after ${timeout} ms ${what} on the console; last output: ${this.#received.shownTail}${this.#savedNote()}`,
    );
  }

  /** Saves the transcript file (on a failure) and says where, for the error message. */
  #savedNote(): string {
    if (this.transcriptFile === undefined) return "";
    try {
      Deno.writeTextFileSync(this.transcriptFile, this.transcript.text());
      return ` (transcript saved to ${this.transcriptFile})`;
    } catch (error) {
      return ` (could not save the transcript to ${this.transcriptFile}: ${
        error instanceof Error ? error.message : error
      })`;
    }
  }
}

function describe(pattern: string | RegExp): string {
  return typeof pattern === "string" ? JSON.stringify(pattern) : String(pattern);
}
