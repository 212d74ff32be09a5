/**
 * `withDevice(options, body)`: a `Deno.test` body wrapped with its board,
 * a time limit, and the board's evidence added to a failure.
 *
 * @module
 */
import type { CompositeClient, DriverClient } from "../src/client/driver_client.ts";
import { messageOf } from "../src/driver/error_message.ts";
import { type Device, device } from "./device.ts";
import type { DeviceOptions } from "./device_source.ts";
import { withTimeout } from "./with_timeout.ts";

/**
 * Options of `withDevice`.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { withDevice, type WithDeviceOptions } from "@jumpstarter/jumpstarter/testing";
 *
 * const options: WithDeviceOptions = {
 *   exporterConfig: "examples/virtual-board.yaml",
 *   timeout: 60_000, // the whole test, board included
 * };
 * Deno.test("power cycle", withDevice<VirtualBoard>(options, async (_t, dut) => {
 *   await dut.power.cycle(0.1);
 * }));
 * ```
 */
export interface WithDeviceOptions extends DeviceOptions {
  /** Fail the test if it runs longer than this, in ms. */
  timeout?: number;
}

/**
 * Wraps a test body: gets the board, runs the body with it (every `t.step`
 * shares it), adds the console transcripts and the exporter log tail to a
 * failure, and gives the board back on every exit path.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { withDevice } from "@jumpstarter/jumpstarter/testing";
 *
 * const board = { exporterConfig: "examples/virtual-board.yaml", timeout: 60_000 };
 * Deno.test("login prompt", withDevice<VirtualBoard>(board, async (t, dut) => {
 *   await using serial = await dut.serial.open();
 *   await t.step("power on", () => dut.power.on());
 *   await t.step("login prompt", async () => {
 *     await serial.expect("login: ");
 *   });
 * }));
 * ```
 */
export function withDevice<T extends DriverClient = CompositeClient>(
  options: WithDeviceOptions,
  body: (t: Deno.TestContext, dut: Device<T>) => Promise<void>,
): (t: Deno.TestContext) => Promise<void> {
  return async (t) => {
    const dut = await device<T>(options);
    try {
      const run = body(t, dut);
      await (options.timeout ? withTimeout(run, options.timeout, `Test "${t.name}"`) : run);
    } catch (error) {
      const report = dut.failureReport();
      if (error instanceof Error) {
        error.message = `${error.message}\n${report}`;
        throw error;
      }
      throw new Error(`${messageOf(error)}\n${report}`);
    } finally {
      await dut.close();
    }
  };
}
