/**
 * Request and answer over a serial device that is not a console: relay
 * boards and control shells (`power on` → `Device powered on`). One
 * exchange at a time, each a connection to one shared `SerialPort`: the
 * device opens (raw, at the baud rate) with the first exchange and stays
 * open, since a tty read cannot be interrupted and one left behind by
 * closing the file would swallow the next answer.
 *
 * @module
 */
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import type { Logger } from "../../src/log.ts";
import { PatternReader } from "./pattern_reader.ts";
import { SerialPort } from "./port.ts";

/** What one exchange may do on the open port. */
export interface SerialSession {
  /** Writes bytes (or text) to the device. */
  write(data: string | Uint8Array): Promise<void>;
  /** Reads device output up to `pattern`; fails after `timeout` seconds naming `what`. */
  readUntil(pattern: string | RegExp, what: string): Promise<string>;
}

/**
 * Serialised exchanges with one serial device.
 *
 * @example
 * ```ts
 * import { SerialExchange } from "./exchange.ts";
 * import { PtyPair } from "./pty.ts";
 * import { Logger } from "../../src/log.ts";
 * import assert from "node:assert/strict";
 *
 * await using pty = PtyPair.open(); // the device end
 * const device = new SerialExchange(pty.path, 9600, 1, new Logger("relay"));
 * const answer = device.run(async (port) => {
 *   await port.write("status\r");
 *   return await port.readUntil("\n", "the status line");
 * });
 * await pty.readUntil("status\r");
 * await pty.write("CH1:ON\r\n");
 * assert.equal(await answer, "CH1:ON\r\n");
 * await device.close();
 * ```
 */
export class SerialExchange {
  #queue: Promise<unknown> = Promise.resolve();
  readonly #port: SerialPort;

  /** `timeout` is in seconds per read. */
  constructor(
    readonly path: string,
    readonly baudrate: number,
    readonly timeout: number,
    readonly log: Logger,
  ) {
    this.#port = new SerialPort(path, baudrate, log);
  }

  /** Connects to the port, runs `exchange` on it, closes it; exchanges queue one after another. */
  run<T>(exchange: (session: SerialSession) => Promise<T>): Promise<T> {
    const next = this.#queue.then(() => this.#run(exchange));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #run<T>(exchange: (session: SerialSession) => Promise<T>): Promise<T> {
    const duplex = await this.#port.connect();
    const writer = duplex.writable.getWriter();
    const reader = new PatternReader(duplex.readable, this.path);
    const encoder = new TextEncoder();
    try {
      return await exchange({
        write: (data) => writer.write(typeof data === "string" ? encoder.encode(data) : data),
        readUntil: async (pattern, what) => {
          try {
            return await reader.readUntil(pattern, this.timeout * 1000);
          } catch (error) {
            if (!(error instanceof Error) || !error.message.startsWith("Timed out")) throw error;
            throw new DriverTimeoutError(
              `No answer from ${this.path} within ${this.timeout} s: expected ${what}`,
            );
          }
        },
      });
    } finally {
      writer.releaseLock();
      await reader.cancel().catch(() => {});
    }
  }

  /** Closes the device; an exchange after this opens it again. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#port.close();
  }
}
