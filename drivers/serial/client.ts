/**
 * The client of serial consoles (upstream label
 * `jumpstarter_driver_pyserial.client.PySerialClient`); its CLI commands are
 * in `cli.ts`.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { serialCommands } from "./cli.ts";
import { Console, type ConsoleOptions } from "./console.ts";

/**
 * Opens a serial console for automation (`expect`, `run`).
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await using serial = await dut.serial.open({ timeout: 30_000 });
 * await dut.power.on();
 * await serial.expect("login: ");
 * ```
 */
export class SerialClient extends DriverClient {
  /** Connects to the console; close the returned `Console` (or `await using` it) when done. */
  async open(options?: ConsoleOptions): Promise<Console> {
    return new Console(await this.stream("connect"), options);
  }

  /** `console` (interactive) and `pipe` (stdin and stdout). */
  override commands(): DriverCommand[] {
    return serialCommands(this);
  }
}
