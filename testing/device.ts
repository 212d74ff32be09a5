/**
 * The device fixture for `Deno.test`: one call that gives a test its board,
 * the same way wherever the suite runs. Inside a session (`JUMPSTARTER_HOST`,
 * e.g. under `jumpstarter shell`) it uses that board; with a selector and a
 * configured controller it leases one; else it serves a local exporter
 * config. The board is given back on every exit path: pass, failure,
 * timeout, Ctrl-C.
 *
 * @module
 */
import { connect } from "../src/client/connect.ts";
import type { Connected } from "../src/client/connected.ts";
import type { CompositeClient, DriverClient } from "../src/client/driver_client.ts";
import { registry } from "../drivers/registry.ts";
import type { Console } from "../drivers/serial/console.ts";
import { type DeviceOptions, type DeviceOrigin, obtainBoard } from "./device_source.ts";
import { failureReport, findScreens, followLogs, watchConsoles } from "./failure_evidence.ts";
import { guardianEnv, startGuardian } from "./guardian.ts";
import { closeOnSignal, forgetOnSignal } from "./signal_release.ts";

/**
 * A board given to a test.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { type Device, device } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * await using dut: Device<VirtualBoard> = await device({
 *   exporterConfig: "examples/virtual-board.yaml",
 * });
 * await dut.power.on();
 * console.log(dut.origin, dut.host); // "local unix:///tmp/jumpstarter-.../exporter.sock"
 * assert.match(dut.failureReport(), /--- exporter log/);
 * ```
 */
export type Device<T extends DriverClient> = Connected<T> & {
  /** How the board was obtained. */
  origin: DeviceOrigin;
  /** The exporter address the test talks to (`unix://...`). */
  host: string;
  /** The lease name, when leased. */
  leaseName?: string;
  /** Recent exporter log lines. */
  logTail(): string[];
  /** The consoles opened on this board (their transcripts go into failure reports). */
  consoles(): Console[];
  /**
   * Text added to a failing test's error: console transcripts, where each
   * screen's last frame was saved, and the exporter log tail.
   */
  failureReport(): string;
};

/**
 * Gets the board for a test. Dispose it (`await using`) to give it back.
 *
 * @example
 * ```ts
 * import { device } from "@jumpstarter/jumpstarter/testing";
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * // The session's board under `jumpstarter shell`, else this config served locally:
 * await using dut = await device<VirtualBoard>({ exporterConfig: "examples/virtual-board.yaml" });
 * await using serial = await dut.serial.open();
 * await dut.power.on();
 * await serial.expect("login: ", { timeout: 30_000 });
 * ```
 */
export async function device<T extends DriverClient = CompositeClient>(
  options: DeviceOptions = {},
): Promise<Device<T>> {
  const { origin, host, direct, held, release, guardian: leaseGuardian } = await obtainBoard(
    options,
  );
  let root: Connected<T>;
  try {
    root = await connect<T>(host, { registry, direct });
  } catch (error) {
    await release();
    throw error;
  }
  const consoles: Console[] = [];
  watchConsoles(root, consoles);
  const logs: string[] = [];
  const stopLogs = new AbortController();
  const following = followLogs(root, logs, options.logLines ?? 40, stopLogs.signal);
  const closeClient = root.close;
  const guardian = leaseGuardian ??
    (origin === "local" ? startGuardian(guardianEnv(undefined, host)) : undefined);
  let closing: Promise<void> | undefined;
  const entry = {
    close: () =>
      closing ??= (async () => {
        forgetOnSignal(entry);
        stopLogs.abort();
        await Promise.allSettled(consoles.map((c) => c.close()));
        await closeClient().catch(() => {});
        await following;
        await release();
        await guardian?.done();
      })(),
  };
  closeOnSignal(entry);
  Object.defineProperties(root, {
    close: { value: entry.close, configurable: true, writable: true },
    [Symbol.asyncDispose]: { value: entry.close, configurable: true, writable: true },
    origin: { value: origin },
    host: { value: host },
    leaseName: { value: held?.name },
    logTail: { value: () => [...logs] },
    consoles: { value: () => [...consoles] },
    failureReport: { value: () => failureReport(consoles, logs, findScreens(root)) },
  });
  return root as Device<T>;
}
