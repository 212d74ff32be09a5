/**
 * `PowerReading`: one voltage/current measurement, as power drivers stream it
 * and `PowerClient` receives it.
 *
 * @module
 */

/**
 * One measurement of the supply, as upstream's `PowerReading`.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   parseExporterConfig,
 *   type PowerReading,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const config = parseExporterConfig(
 *   "export: { power: { type: power.MockPower, config: { readings: 2, interval: 0.01 } } }",
 *   Deno.cwd(),
 * );
 * await using exporter = await serveLocal(config);
 * await using dut = await connect(exporter.socketPath);
 * await dut.power.on();
 * const readings: PowerReading[] = await Array.fromAsync(dut.power.read());
 * assert.deepEqual(readings, [{ voltage: 5, current: 0.5 }, { voltage: 5, current: 0.5 }]);
 * ```
 */
export interface PowerReading {
  /** Volts. */
  voltage: number;
  /** Amperes. */
  current: number;
}
