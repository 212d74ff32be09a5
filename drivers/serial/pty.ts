/**
 * Pseudo-terminal pairs made through libc, with no extra package: the
 * slave is a real tty path any program (or the `serial.PySerial` driver)
 * opens; the master side is what "the device" reads and writes. Tests use it
 * to stand in for a board's UART; anything that needs a pty can reuse it.
 *
 * @example
 * ```ts
 * import { PtyPair } from "./pty.ts";
 *
 * await using pty = PtyPair.open();
 * const port = await Deno.open(pty.path, { read: true, write: true });
 * await port.write(new TextEncoder().encode("hello\n"));
 * await pty.readUntil("hello");
 * port.close();
 * ```
 * @module
 */
import { Errno, errno, OsError } from "./os_error.ts";
import { PatternReader } from "./pattern_reader.ts";
import { ptyLibc } from "./pty_libc.ts";
import { configureTty, type TtyOptions } from "./termios.ts";

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const POLLIN = 0x1;
const POLLHUP = 0x10;
const POLLERR = 0x8;
/** How long one poll waits, which bounds how long `close()` takes. */
const POLL_MS = 25;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A pty pair: `path` is the slave tty, the master is read through
 * `readable` (or `readUntil()`) and written with `write()`.
 */
export class PtyPair implements AsyncDisposable {
  /** Bytes the slave side wrote (the device's view of what a program sent). */
  readonly readable: ReadableStream<Uint8Array>;
  #closed = false;
  #reading?: Promise<void>;
  #reader?: PatternReader;

  #master: number;
  #masterOpen = true;

  private constructor(master: number, readonly path: string) {
    this.#master = master;
    this.readable = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        const run = this.#readOnce(controller);
        this.#reading = run;
        return run;
      },
      cancel: () => {
        this.#closed = true;
      },
    }, { highWaterMark: 0 });
  }

  /**
   * Opens a new pair. The slave starts raw (bytes unchanged, no echo) unless
   * `options.raw` is false; `options.baudrate` sets its speed.
   */
  static open(options: TtyOptions = {}): PtyPair {
    const c = ptyLibc();
    const master = c.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (master < 0) throw new OsError(errno(), "posix_openpt");
    try {
      if (c.grantpt(master) !== 0) throw new OsError(errno(), "grantpt");
      if (c.unlockpt(master) !== 0) throw new OsError(errno(), "unlockpt");
      const name = new Uint8Array(128);
      const failed = c.ptsname_r(master, name, BigInt(name.byteLength));
      if (failed !== 0) throw new OsError(failed, "ptsname_r");
      const path = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
      const pair = new PtyPair(master, path);
      if (options.raw ?? true) configureTty(path, options);
      else if (options.baudrate !== undefined) configureTty(path, { ...options, raw: false });
      return pair;
    } catch (error) {
      c.close(master);
      throw error;
    }
  }

  /** The master's file descriptor (-1 once closed). */
  get master(): number {
    return this.#masterOpen ? this.#master : -1;
  }

  /** Writes to the master: the slave side reads these bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (this.#closed) throw new Error(`Cannot write to closed pty ${this.path}`);
      const rest = bytes.subarray(offset);
      const n = Number(ptyLibc().write(this.#master, rest, BigInt(rest.byteLength)));
      if (n > 0) {
        offset += n;
        continue;
      }
      const code = errno();
      if (n < 0 && code !== Errno.EAGAIN) throw new OsError(code, `write(${this.path} master)`);
      await sleep(2);
    }
  }

  /**
   * Reads master output until `pattern` shows up; returns the text up to the
   * end of the match and keeps the rest for the next call. Fails after
   * `timeout` ms with what arrived so far.
   */
  async readUntil(pattern: string | RegExp, timeout = 5000): Promise<string> {
    return await this.#output().readUntil(pattern, timeout);
  }

  /**
   * Reads exactly `count` bytes of master output (for binary data; use either
   * this or `readUntil()` on one pair). Fails after `timeout` ms.
   */
  async readBytes(count: number, timeout = 5000): Promise<Uint8Array> {
    return await this.#output().readBytes(count, timeout);
  }

  /** The reader of master output, made on the first read. */
  #output(): PatternReader {
    return this.#reader ??= new PatternReader(this.readable, this.path);
  }

  /** Applies terminal settings to the slave (raw mode, baud rate). */
  configure(options: TtyOptions): void {
    configureTty(this.path, options);
  }

  async #readOnce(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const c = ptyLibc();
    const pollfd = new Uint8Array(8);
    const view = new DataView(pollfd.buffer);
    const buffer = new Uint8Array(65536);
    while (!this.#closed) {
      view.setInt32(0, this.#master, true);
      view.setInt16(4, POLLIN, true);
      view.setInt16(6, 0, true);
      const ready = await c.poll(pollfd, 1n, POLL_MS);
      if (this.#closed) break;
      if (ready <= 0) continue;
      const revents = view.getInt16(6, true);
      if (revents & POLLIN) {
        const n = Number(c.read(this.#master, buffer, BigInt(buffer.byteLength)));
        if (n > 0) {
          controller.enqueue(buffer.slice(0, n));
          return;
        }
        const code = errno();
        if (n < 0 && code !== Errno.EAGAIN && code !== Errno.EIO) {
          controller.error(new OsError(code, `read(${this.path} master)`));
          return;
        }
      }
      // No slave open (never yet, or closed again): wait for one instead of spinning.
      if (revents & (POLLHUP | POLLERR)) await sleep(POLL_MS);
    }
    try {
      controller.close();
    } catch {
      // Already cancelled.
    }
  }

  /** Stops reading and closes the master (the slave side sees a hang-up). Idempotent. */
  async close(): Promise<void> {
    if (!this.#masterOpen) return;
    this.#closed = true;
    await this.#reading?.catch(() => {});
    await this.#reader?.cancel().catch(() => {});
    if (!this.#masterOpen) return;
    this.#masterOpen = false;
    ptyLibc().close(this.#master);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
