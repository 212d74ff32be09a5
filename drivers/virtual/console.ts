/**
 * `virtual.Console`: the serial console of the simulated board.
 *
 * @module
 */
import { Driver, type DriverConfig, type DriverContext } from "../../src/driver/driver.ts";
import { byteStream } from "../../src/driver/exports.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { type BoardState, sharedBoard } from "./board_state.ts";

/** Output queued for a client that stopped reading before more is dropped. */
const MAX_BACKLOG = 1024 * 1024;

/**
 * The board's UART: each `connect` stream receives everything the board
 * prints from then on, and what the client writes is typed on the board.
 * Several clients may be connected at once.
 *
 * Config: `board` (default "board"), `bootDelay` (see `virtual.Power`).
 */
export class VirtualConsole extends Driver {
  static override client = "jumpstarter_driver_pyserial.client.PySerialClient";

  readonly board: BoardState;
  readonly #connections = new Set<() => void>();

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    this.board = sharedBoard(config, context);
    this.board.retain();
  }

  /** Number of connected streams. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Opens a console stream; cancelling its readable disconnects it. */
  @byteStream({ description: "Connect to the board's serial console" })
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
      this.log.debug(`console disconnected (${this.#connections.size} left)`);
    };
    const readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        detach = this.board.attach((bytes) => {
          // A client that stops reading loses output, like a UART without flow control.
          if ((c.desiredSize ?? 0) > -MAX_BACKLOG) c.enqueue(bytes);
        });
      },
      cancel: () => disconnect(),
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        if (this.#connections.has(disconnect)) this.board.input(chunk);
      },
    });
    this.#connections.add(disconnect);
    this.log.debug(`console connected (${this.#connections.size} open)`);
    return { readable, writable };
  }

  /** Ends every console stream. */
  override close(): void {
    for (const disconnect of [...this.#connections]) disconnect();
    this.board.release();
  }
}
