/**
 * A local exporter config served on a private socket and connected, for
 * tests without a session: `localDevice(config)`.
 *
 * @module
 */
import { connect } from "../src/client/connect.ts";
import type { Connected } from "../src/client/connected.ts";
import type { CompositeClient, DriverClient } from "../src/client/driver_client.ts";
import { type ExporterConfig, loadExporterConfig } from "../src/config/exporter_config.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { registry } from "../drivers/registry.ts";

/**
 * A connected device that also stops its exporter when disposed.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { type LocalDevice, localDevice } from "@jumpstarter/jumpstarter/testing";
 *
 * const dut: LocalDevice<VirtualBoard> = await localDevice("examples/virtual-board.yaml");
 * await dut.power.on();
 * await dut.close(); // closes the connection, then stops the exporter
 * ```
 */
export type LocalDevice<T extends DriverClient> = Connected<T>;

/**
 * Serves an exporter config (a path or a parsed config) on a private unix
 * socket and connects to it. `await using` closes client and exporter.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { localDevice } from "@jumpstarter/jumpstarter/testing";
 *
 * await using dut = await localDevice<VirtualBoard>("examples/virtual-board.yaml");
 * await using serial = await dut.serial.open();
 * await dut.power.on();
 * await serial.expect("login: ");
 * ```
 */
export async function localDevice<T extends DriverClient = CompositeClient>(
  config: string | ExporterConfig,
): Promise<LocalDevice<T>> {
  const parsed = typeof config === "string" ? await loadExporterConfig(config) : config;
  const local = await serveLocal(parsed, registry);
  let root: Connected<T>;
  try {
    root = await connect<T>(local.host, { registry });
  } catch (error) {
    await local.close();
    throw error;
  }
  const closeClient = root.close;
  const close = async () => {
    await closeClient();
    await local.close();
  };
  Object.defineProperties(root, {
    close: { value: close },
    [Symbol.asyncDispose]: { value: close },
  });
  return root;
}
