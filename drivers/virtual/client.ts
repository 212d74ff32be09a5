/**
 * The client-side shape of the virtual board, for typed access:
 * `connect<VirtualBoard>(host)` then `dut.power.on()`.
 *
 * @module
 */
import type { CompositeClient } from "../../src/client/driver_client.ts";
import type { PowerClient } from "../power/client.ts";
import type { SerialClient } from "../serial/client.ts";
import type { StorageClient } from "../storage/client.ts";

/**
 * A board with `power`, `serial` and `storage` drivers: the virtual board
 * (`virtual.Board` or the three `virtual.*` parts side by side), or any real
 * board exported under the same names.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await dut.power.on(); // typed: PowerClient
 * const { mux } = await dut.storage.info<{ mux: string }>(); // typed: StorageClient
 * assert.equal(mux, "dut");
 * ```
 */
export interface VirtualBoard extends CompositeClient {
  power: PowerClient;
  serial: SerialClient;
  storage: StorageClient;
}
