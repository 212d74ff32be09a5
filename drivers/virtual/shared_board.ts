/**
 * `sharedBoard()`: the one simulated board the virtual power, console and
 * storage drivers of one exporter share, picked by the `board` their configs
 * name.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { BoardState, DEFAULT_BOOT_DELAY } from "./board_state.ts";

/**
 * The board a virtual driver belongs to, shared by every driver whose config
 * names the same `board` (default "board"). Config: `board`, `bootDelay` (ms
 * from power on to the login prompt, default 500; the first driver to ask sets it).
 */
export function sharedBoard(config: DriverConfig, context: DriverContext): BoardState {
  const reader = new ConfigReader(config, context.path);
  const name = reader.string("board", "board");
  const bootDelay = reader.number("bootDelay", DEFAULT_BOOT_DELAY, 0);
  return context.shared(`virtual-board:${name}`, () => new BoardState(name, bootDelay));
}
