/**
 * `Composite`: the driver with no interface of its own, which groups its
 * children.
 *
 * @module
 */
import { Driver } from "./driver.ts";

/**
 * A driver with no interface of its own: it groups its children. Configs
 * name it `composite.Composite`.
 *
 * @example
 * ```ts
 * import {
 *   Composite,
 *   connect,
 *   loadExporterConfig,
 *   registry,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * assert.equal(registry.driver("composite.Composite", "export.bench"), Composite);
 * await using exporter = await serveLocal(await loadExporterConfig("examples/composite.yaml"));
 * await using dut = await connect(exporter.socketPath);
 * await dut.bench.rack.outlet.on(); // bench and rack are Composites
 * ```
 */
export class Composite extends Driver {
  static override client = "jumpstarter_driver_composite.client.CompositeClient";
}
