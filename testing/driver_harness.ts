/**
 * One driver served in memory (no socket, no process) and connected through
 * its real client: `driverHarness(Driver, config)`, to unit-test a new driver.
 *
 * @module
 */
import { clientTree, type Connected } from "../src/client/connected.ts";
import type { CompositeClient, DriverClient } from "../src/client/driver_client.ts";
import { GrpcSession } from "../src/client/session.ts";
import { exporterConfigFrom } from "../src/config/exporter_config.ts";
import type { DriverClass } from "../src/driver/driver.ts";
import { Registry } from "../src/driver/registry.ts";
import { Exporter } from "../src/exporter/exporter.ts";
import { exporterRoutes } from "../src/exporter/service.ts";
import { registry } from "../drivers/registry.ts";

/**
 * Serves one driver in memory (no socket, no process) under the name `name`
 * and returns the root client; `root.child(name)` is the driver's client.
 *
 * @example
 * ```ts
 * import { Driver, PowerClient, type PowerReading, streaming, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Outlet extends Driver { // a new driver, tested through the client its label names
 *   static override client = "jumpstarter_driver_power.client.PowerClient";
 *   #on = false;
 *   @unary() on(): void { this.#on = true; }
 *   @streaming() async *read(): AsyncGenerator<PowerReading> {
 *     yield { voltage: this.#on ? 230 : 0, current: 0 };
 *   }
 * }
 * await using root = await driverHarness(Outlet, {}, "power");
 * const power = root.child("power", PowerClient);
 * await power.on();
 * assert.deepEqual(await Array.fromAsync(power.read()), [{ voltage: 230, current: 0 }]);
 * ```
 */
export async function driverHarness<T extends DriverClient = CompositeClient>(
  driver: DriverClass,
  config: Record<string, unknown> = {},
  name = "dut",
): Promise<Connected<T>> {
  const own = new Registry([{ type: "test.Driver", driver }], []);
  const merged = {
    // Look the type up in our one-entry registry, and everything else in the real one.
    driver: (type: string, path: string) =>
      type === "test.Driver" ? own.driver(type, path) : registry.driver(type, path),
    client: (label: string | undefined) => registry.client(label),
    types: () => registry.types(),
    load: (uses: { type: string; path: string }[]) =>
      registry.load(uses.filter(({ type }) => type !== "test.Driver")),
  } as unknown as Registry;
  const parsed = exporterConfigFrom(
    { export: { [name]: { type: "test.Driver", config } } },
    Deno.cwd(),
  );
  const exporter = await Exporter.create(parsed, merged);
  const session = GrpcSession.inMemory(exporterRoutes(exporter));
  const root = await clientTree<T>(
    await GrpcSession.attach(session, "in-memory exporter"),
    registry,
  );
  const close = async () => {
    await session.close();
    await exporter.close();
  };
  Object.defineProperties(root, {
    close: { value: close },
    [Symbol.asyncDispose]: { value: close },
  });
  return root;
}
