/**
 * One serial device shared by any number of byte-stream connections: the
 * port opens (raw mode, baud rate) with the first connection and closes when
 * data arrives with no connection attached (or the driver closes). Every connection sees everything the device sends (fan-out);
 * what connections send is written whole chunk by whole chunk, in arrival
 * order, so two writers interleave by chunk, never inside one.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";
import { releasesChunks } from "../../src/driver/releases_chunks.ts";
import { writeAll } from "../../src/driver/write_all.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import type { Logger } from "../../src/log.ts";
import { openError } from "./open_error.ts";
import { configureTty } from "./termios.ts";

/** How far one connection may fall behind the device before it is dropped. */
const MAX_BEHIND = 8 * 1024 * 1024;

/** The open device: one descriptor per direction, since Deno queues the operations of one file. */
interface Device {
  input: Deno.FsFile;
  output: Deno.FsFile;
}

interface Connection {
  controller: ReadableStreamDefaultController<Uint8Array>;
  closed: boolean;
}

/** A serial device opened on demand and shared by its connections. */
export class SerialPort {
  readonly #connections = new Set<Connection>();
  #device?: Device;
  #opening?: Promise<Device>;
  #reading?: Promise<void>;
  #closing?: Promise<void>;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string, readonly baudrate: number, readonly log: Logger) {}

  /** Connections currently attached. */
  get connections(): number {
    return this.#connections.size;
  }

  /** True while the device is open. */
  get isOpen(): boolean {
    return this.#device !== undefined;
  }

  /** Attaches a new connection, opening the device if it is the first. */
  async connect(): Promise<Duplex> {
    await this.#closing;
    const device = await this.#open();
    let connection!: Connection;
    const readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        connection = { controller, closed: false };
      },
      cancel: () => this.#detach(connection),
    }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
    // Each write settles once the bytes are on the device: a transport may reuse their memory.
    const writable = releasesChunks(
      new WritableStream<Uint8Array>({
        write: (chunk) => this.#write(device, chunk),
      }),
    );
    this.#connections.add(connection);
    this.#reading ??= this.#readAll(device);
    this.log.debug(`serial connection opened (${this.#connections.size} attached)`);
    return { readable, writable };
  }

  /** Ends every connection and closes the device. */
  async close(): Promise<void> {
    for (const connection of [...this.#connections]) {
      this.#end(connection);
      this.#connections.delete(connection);
    }
    await this.#shut();
  }

  #open(): Promise<Device> {
    if (this.#device) return Promise.resolve(this.#device);
    return this.#opening ??= (async () => {
      try {
        try {
          configureTty(this.path, { baudrate: this.baudrate, raw: true });
        } catch (error) {
          throw openError(this.path, error);
        }
        let input: Deno.FsFile | undefined;
        try {
          input = await Deno.open(this.path, { read: true });
          const output = await Deno.open(this.path, { write: true });
          this.#device = { input, output };
        } catch (error) {
          input?.close();
          throw openError(this.path, error);
        }
        this.log.info(`opened ${this.path} at ${this.baudrate} baud, raw`);
        return this.#device;
      } finally {
        this.#opening = undefined;
      }
    })();
  }

  async #readAll(device: Device): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    let failure: unknown;
    try {
      while (true) {
        const n = await device.input.read(buffer);
        if (n === null) break;
        if (n === 0) continue;
        if (this.#connections.size === 0) {
          // Idle since the last detach: nobody takes this chunk, and no read is pending now.
          break;
        }
        const chunk = buffer.slice(0, n);
        for (const connection of this.#connections) this.#deliver(connection, chunk);
      }
    } catch (error) {
      failure = error;
    }
    this.#reading = undefined;
    if (this.#device !== device) return; // closed on purpose
    if (failure === undefined && this.#connections.size === 0) {
      await this.#shut();
      return;
    }
    const reason = failure === undefined ? "end of file" : messageOf(failure);
    this.log.warning(`serial port ${this.path} went away: ${reason}`);
    const error = new UnavailableError(`Serial port "${this.path}" went away: ${reason}`);
    for (const connection of [...this.#connections]) {
      if (!connection.closed) {
        connection.closed = true;
        connection.controller.error(error);
      }
      this.#connections.delete(connection);
    }
    await this.#shut();
  }

  #deliver(connection: Connection, chunk: Uint8Array): void {
    if (connection.closed) return;
    if ((connection.controller.desiredSize ?? 0) < -MAX_BEHIND) {
      connection.closed = true;
      connection.controller.error(
        new UnavailableError(
          `Serial connection to "${this.path}" fell more than 8 MiB behind the device and was closed`,
        ),
      );
      this.#detach(connection);
      return;
    }
    connection.controller.enqueue(chunk);
  }

  #write(device: Device, chunk: Uint8Array): Promise<void> {
    const run = this.#writes.then(async () => {
      if (this.#device !== device) {
        throw new UnavailableError(`Serial port "${this.path}" is closed`);
      }
      await writeAll(device.output, chunk);
    });
    this.#writes = run.catch(() => {});
    return run.catch((error) => {
      if (error instanceof DriverError) throw error;
      throw new UnavailableError(`Cannot write to serial port "${this.path}": ${messageOf(error)}`);
    });
  }

  #end(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    try {
      connection.controller.close();
    } catch {
      // Already errored or cancelled.
    }
  }

  #detach(connection: Connection): void {
    connection.closed = true;
    if (!this.#connections.delete(connection)) return;
    this.log.debug(`serial connection closed (${this.#connections.size} attached)`);
    // The device stays open until its pending read returns (the reader then closes
    // it if nobody re-attached): Deno cannot interrupt a blocking tty read, and a
    // read left behind by closing the file would swallow the next input after a
    // reopen. A quick detach and attach (a console closed and opened) reuses it.
  }

  /** Closes the device once no connection uses it. */
  #shut(): Promise<void> {
    const device = this.#device;
    if (!device) return this.#closing ?? Promise.resolve();
    this.#device = undefined;
    const closing = (async () => {
      for (const file of [device.input, device.output]) {
        try {
          file.close();
        } catch {
          // Already closed.
        }
      }
      await this.#reading;
      await this.#writes;
      this.log.info(`closed ${this.path}`);
    })();
    const tracked = closing.finally(() => {
      if (this.#closing === tracked) this.#closing = undefined;
    });
    this.#closing = tracked;
    return tracked;
  }
}
