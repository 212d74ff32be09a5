/**
 * The named domain errors shared by drivers, the exporter and the client,
 * one per gRPC status they travel as, so a driver throws
 * `NotImplementedError` and the client catches a `NotImplementedError` again
 * on the other side.
 *
 * @module
 */
import { DriverError } from "./driver_error.ts";

/**
 * The driver does not implement this operation (UNIMPLEMENTED).
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   NotImplementedError,
 *   PowerClient,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * // A power switch driven by commands, configured without a `read` command:
 * await using exporter = await serveLocal(await loadExporterConfig("examples/command-power.yaml"));
 * await using dut = await connect(exporter.socketPath);
 * const readings = dut.child("power", PowerClient).read();
 * await assert.rejects(Array.fromAsync(readings), NotImplementedError);
 * ```
 */
export class NotImplementedError extends DriverError {
  constructor(message: string) {
    super("unimplemented", message);
    this.name = "NotImplementedError";
  }
}

/**
 * No driver or method by that name or uuid (NOT_FOUND).
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   DriverNotFoundError,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await assert.rejects(dut.power.call("explode"), DriverNotFoundError);
 * ```
 */
export class DriverNotFoundError extends DriverError {
  constructor(message: string) {
    super("not_found", message);
    this.name = "DriverNotFoundError";
  }
}

/**
 * An operation ran past its deadline (DEADLINE_EXCEEDED).
 *
 * @example
 * ```ts
 * import { Console, DriverTimeoutError, duplexPair } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const [host] = duplexPair(); // a console on which nothing ever arrives
 * await using serial = new Console(host, { timeout: 50 });
 * await assert.rejects(serial.expect("login:"), DriverTimeoutError);
 * ```
 */
export class DriverTimeoutError extends DriverError {
  constructor(message: string) {
    super("deadline_exceeded", message);
    this.name = "DriverTimeoutError";
  }
}

/**
 * The device or a connection to it cannot be reached (UNAVAILABLE).
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   NetworkClient,
 *   parseExporterConfig,
 *   serveLocal,
 *   UnavailableError,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * listener.close(); // nothing listens on this port any more
 * const { port } = listener.addr;
 * const config = parseExporterConfig(
 *   `export: { web: { type: network.TcpNetwork, config: { host: 127.0.0.1, port: ${port} } } }`,
 *   Deno.cwd(),
 * );
 * await using exporter = await serveLocal(config);
 * await using dut = await connect(exporter.socketPath);
 * await assert.rejects(dut.child("web", NetworkClient).connect(), UnavailableError);
 * ```
 */
export class UnavailableError extends DriverError {
  constructor(message: string, options?: ErrorOptions) {
    super("unavailable", message, options);
    this.name = "UnavailableError";
  }
}

/**
 * The session or device is not in a state that allows this call (FAILED_PRECONDITION).
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   FailedPreconditionError,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await dut.power.on(); // the running board uses its disk: no writing to it now
 * const upload = await dut.storage.upload(ReadableStream.from([new Uint8Array(512)]));
 * await assert.rejects(dut.storage.call("write", upload.handle), FailedPreconditionError);
 * await upload.done.catch(() => {}); // the refused upload was cancelled
 * ```
 */
export class FailedPreconditionError extends DriverError {
  constructor(message: string) {
    super("failed_precondition", message);
    this.name = "FailedPreconditionError";
  }
}
