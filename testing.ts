/**
 * Helpers for hardware tests and for testing drivers.
 *
 * - `device(options)` / `withDevice(options, body)`: the board for a test,
 *   from the session, a lease, or a local exporter config; given back on
 *   every exit path; failures carry console transcripts and the exporter log.
 * - `eventually(fn)` and `withTimeout(work, ms)`: timing for hardware.
 * - `localDevice(config)`: a local exporter config served and connected.
 * - `driverHarness(Driver, config)`: one driver served in memory (no socket)
 *   to unit-test a new driver through its real client.
 *
 * @example
 * ```ts
 * import { withDevice } from "@jumpstarter/jumpstarter/testing";
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * const board = { exporterConfig: "examples/virtual-board.yaml" };
 * Deno.test("board boots", withDevice<VirtualBoard>(board, async (t, dut) => {
 *   await using serial = await dut.serial.open();
 *   await dut.power.on();
 *   await t.step("login prompt", async () => {
 *     await serial.expect(/login: /);
 *   });
 * }));
 * ```
 * @module
 */
export { type Device, device } from "./testing/device.ts";
export type { DeviceOptions } from "./testing/device_source.ts";
export { withDevice, type WithDeviceOptions } from "./testing/with_device.ts";
export { eventually, type EventuallyOptions } from "./testing/eventually.ts";
export { withTimeout } from "./testing/with_timeout.ts";
export { driverHarness } from "./testing/driver_harness.ts";
export { type LocalDevice, localDevice } from "./testing/local_device.ts";
