/**
 * `virtual.Power`: the power switch of the simulated board.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { PowerDriver } from "../power/interface.ts";
import type { PowerReading } from "../power/reading.ts";
import type { BoardState } from "./board_state.ts";
import { sharedBoard } from "./shared_board.ts";

/**
 * Switches the virtual board; power on boots it, power off silences its console.
 *
 * Config: `board` (which simulated board, default "board"), `bootDelay` (ms
 * from power on to the login prompt, default 500), `interval` (seconds
 * between readings, default 1), `readings` (per `read()` call, default 0:
 * until the client stops).
 */
export class VirtualPower extends PowerDriver {
  readonly board: BoardState;
  readonly interval: number;
  readonly readings: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.interval = reader.number("interval", 1, 0);
    this.readings = reader.number("readings", 0, 0);
    this.board = sharedBoard(config, context);
    this.board.retain();
  }

  override on(): void {
    this.log.info(this.board.powered ? "power on (already on)" : "power on");
    this.board.powerOn();
  }

  override off(): void {
    this.log.info(this.board.powered ? "power off" : "power off (already off)");
    this.board.powerOff();
  }

  /** 5 V while on; the current follows the boot (0.9 A booting, 0.45 A idle, 0 off). */
  override async *read(): AsyncGenerator<PowerReading> {
    for (let i = 0; this.readings === 0 || i < this.readings; i++) {
      if (i > 0) await this.sleep(this.interval);
      yield { voltage: this.board.powered ? 5.0 : 0.0, current: this.board.current() };
    }
  }

  /** A new session starts with the board off. */
  override reset(): void {
    this.board.powerOff();
  }

  override close(): void {
    this.board.release();
    super.close();
  }
}
