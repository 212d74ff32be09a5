/**
 * A minimal QMP (QEMU Machine Protocol) client over a unix socket: the
 * capabilities handshake, commands matched to their answers by id, events
 * passed to a callback. Enough for `cont`, `system_powerdown` and `quit`.
 *
 * @module
 */
import { writeAll } from "../../src/driver/write_all.ts";

/** An error QEMU answered a command with. */
export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, description: string) {
    super(`QMP ${command} failed: ${description} (${errorClass})`);
    this.name = "QmpError";
  }
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One QMP connection. */
export class QmpClient {
  readonly #conn: Deno.UnixConn;
  readonly #pending = new Map<string, Pending>();
  readonly #reading: Promise<void>;
  readonly #encoder = new TextEncoder();
  #nextId = 1;
  #closed = false;
  #greeted!: () => void;
  readonly #greeting = new Promise<void>((resolve) => this.#greeted = resolve);

  private constructor(conn: Deno.UnixConn, readonly onEvent: (event: string) => void) {
    this.#conn = conn;
    this.#reading = this.#read();
  }

  /** Connects to QEMU's QMP socket and negotiates capabilities. */
  static async connect(
    path: string,
    onEvent: (event: string) => void = () => {},
  ): Promise<QmpClient> {
    const conn = await Deno.connect({ transport: "unix", path });
    const client = new QmpClient(conn, onEvent);
    try {
      await client.#greeting;
      await client.execute("qmp_capabilities");
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Runs a command; resolves with its `return` value. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error(`QMP ${command}: the connection is closed`));
    const id = String(this.#nextId++);
    const message = JSON.stringify({ execute: command, id, ...(args ? { arguments: args } : {}) });
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { command, resolve, reject });
      this.#write(message + "\n").catch((error) => {
        this.#pending.delete(id);
        reject(error);
      });
    });
  }

  async #write(text: string): Promise<void> {
    await writeAll(this.#conn, this.#encoder.encode(text));
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(16 * 1024);
    let text = "";
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        text += decoder.decode(buffer.subarray(0, n), { stream: true });
        let newline: number;
        while ((newline = text.indexOf("\n")) >= 0) {
          const line = text.slice(0, newline).trim();
          text = text.slice(newline + 1);
          if (line) this.#handle(JSON.parse(line));
        }
      }
    } catch {
      // The socket closed under us (QEMU quit); pending commands fail below.
    } finally {
      this.#closed = true;
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(new Error(`QMP ${pending.command}: QEMU closed the connection`));
      }
      this.#greeted();
    }
  }

  #handle(message: Record<string, unknown>): void {
    if ("QMP" in message) return this.#greeted();
    if (typeof message.event === "string") return this.onEvent(message.event);
    const pending = this.#pending.get(String(message.id));
    if (!pending) return;
    this.#pending.delete(String(message.id));
    if ("error" in message) {
      const error = message.error as { class?: string; desc?: string };
      pending.reject(
        new QmpError(pending.command, error.class ?? "Error", error.desc ?? "unknown error"),
      );
    } else {
      pending.resolve(message.return);
    }
  }

  /** Closes the connection; pending commands fail. */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
    await this.#reading;
  }
}
