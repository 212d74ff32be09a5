/**
 * `virtual.Console`: the serial console of the simulated board.
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { byteStream } from "../../src/driver/exports.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { ConsoleStreams } from "../serial/console_streams.ts";
import type { BoardState } from "./board_state.ts";
import { sharedBoard } from "./shared_board.ts";

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
  readonly #streams: ConsoleStreams;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    this.board = sharedBoard(config, context);
    this.board.retain();
    this.#streams = new ConsoleStreams(this.board, {
      onDisconnect: () => this.log.debug(`console disconnected (${this.#streams.size} left)`),
    });
  }

  /** Number of connected streams. */
  get connections(): number {
    return this.#streams.size;
  }

  /** Opens a console stream; cancelling its readable disconnects it. */
  @byteStream({ description: "Connect to the board's serial console" })
  connect(): Duplex {
    const duplex = this.#streams.connect();
    this.log.debug(`console connected (${this.#streams.size} open)`);
    return duplex;
  }

  /** Ends every console stream. */
  override close(): void {
    this.#streams.close();
    this.board.release();
  }
}
