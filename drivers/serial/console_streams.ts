/**
 * The console streams of a simulated UART, fanned out to every connected
 * client: what the virtual board and the QEMU guest print reaches each
 * `connect` stream, and what a client writes is typed on the port.
 *
 * @module
 */
import type { Duplex } from "../../src/driver/stream.ts";

/** A serial port as console streams see it. */
export interface Uart {
  /** Passes everything the port prints from now on to `listener`; returns what detaches it. */
  attach(listener: (bytes: Uint8Array) => void): () => void;
  /** Types bytes on the port. */
  input(bytes: Uint8Array): void | Promise<void>;
}

/** Options of `ConsoleStreams`. */
export interface ConsoleStreamsOptions {
  /** Aborting a stream's writable side disconnects it too (else only cancelling its readable does). */
  disconnectOnAbort?: boolean;
  /** Called after a stream was disconnected. */
  onDisconnect?: () => void;
}

/** Output queued for a console that stopped reading before more is dropped. */
const MAX_BACKLOG = 1024 * 1024;

/**
 * The console streams of one UART: each receives everything the port prints
 * from when it connects, and what a client writes is typed on the port
 * while it is connected.
 */
export class ConsoleStreams {
  readonly #connections = new Set<() => void>();

  constructor(readonly uart: Uart, readonly options: ConsoleStreamsOptions = {}) {}

  /** Connected streams. */
  get size(): number {
    return this.#connections.size;
  }

  /** A new console stream; cancelling its readable disconnects it. */
  connect(): Duplex {
    let detach = () => {};
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const disconnect = () => {
      if (!this.#connections.delete(disconnect)) return;
      detach();
      try {
        controller.close();
      } catch {
        // Already closed or cancelled by the client.
      }
      this.options.onDisconnect?.();
    };
    const readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        detach = this.uart.attach((bytes) => {
          // A client that stops reading loses output, like a UART without flow control.
          if ((c.desiredSize ?? 0) > -MAX_BACKLOG) c.enqueue(bytes);
        });
      },
      cancel: () => disconnect(),
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#connections.has(disconnect) ? this.uart.input(chunk) : undefined,
      abort: this.options.disconnectOnAbort ? () => disconnect() : undefined,
    });
    this.#connections.add(disconnect);
    return { readable, writable };
  }

  /** Ends every stream. */
  close(): void {
    for (const disconnect of [...this.#connections]) disconnect();
  }
}
