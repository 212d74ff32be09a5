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
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import type { Logger } from "../../src/log.ts";
import { openSerialDevice, type SerialDevice, type SerialTarget } from "./serial_device.ts";

/** How far one connection may fall behind the device before it is dropped. */
const MAX_BEHIND = 8 * 1024 * 1024;

type Device = SerialDevice;

/** How the port opens its device and paces what it writes. */
export interface SerialPortOptions {
  /** Where the device is (default: `path` as a tty or pty). */
  target?: SerialTarget;
  /** Keep the modem lines up when the port closes (pyserial's `disable_hupcl`). */
  disableHupcl?: boolean;
  /** Characters per second written at most (pyserial's `cps`); undefined: as fast as it takes. */
  cps?: number;
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

  constructor(
    readonly path: string,
    readonly baudrate: number,
    readonly log: Logger,
    readonly options: SerialPortOptions = {},
  ) {}

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
        this.#device = await openSerialDevice(
          this.options.target ?? { kind: "path", path: this.path },
          this.path,
          { baudrate: this.baudrate, disableHupcl: this.options.disableHupcl === true },
        );
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
        const n = await device.read(buffer);
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
      if (this.options.cps) await writePaced(device, chunk, this.options.cps);
      else await device.write(chunk);
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
      device.close();
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

/** Writes `chunk` at no more than `cps` characters per second, in slices of about 10 ms. */
async function writePaced(device: Device, chunk: Uint8Array, cps: number): Promise<void> {
  const slice = Math.max(1, Math.floor(cps / 100));
  for (let offset = 0; offset < chunk.length; offset += slice) {
    const part = chunk.subarray(offset, offset + slice);
    await device.write(part);
    await new Promise((resolve) => setTimeout(resolve, (part.length / cps) * 1000));
  }
}
