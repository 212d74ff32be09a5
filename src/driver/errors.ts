/**
 * Domain errors shared by drivers, the exporter and the client. Each carries
 * the gRPC status it travels as, so a driver throws `NotImplementedError` and
 * the client catches a `NotImplementedError` again on the other side.
 *
 * @module
 */

/** gRPC status names used on the wire (same meaning as the numeric codes). */
export type ErrorCode =
  | "cancelled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

/**
 * An error with a gRPC status; the base of every error a driver call can end in.
 * A driver throws it with any status; the client catches it with the same `code`.
 *
 * @example
 * ```ts
 * import { Driver, DriverError, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Lock extends Driver {
 *   @unary()
 *   unlock(): void {
 *     throw new DriverError("permission_denied", "The lab door stays locked at night");
 *   }
 * }
 * await using root = await driverHarness(Lock);
 * await assert.rejects(root.child("dut").call("unlock"), (error) => {
 *   return error instanceof DriverError && error.code === "permission_denied";
 * });
 * ```
 */
export class DriverError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DriverError";
  }
}

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

const byCode: Partial<Record<ErrorCode, new (message: string) => DriverError>> = {
  unimplemented: NotImplementedError,
  not_found: DriverNotFoundError,
  deadline_exceeded: DriverTimeoutError,
  unavailable: UnavailableError,
  failed_precondition: FailedPreconditionError,
};

/** Rebuilds the most specific domain error for a status received from the wire. */
export function errorFromCode(code: ErrorCode, message: string): DriverError {
  const ErrorClass = byCode[code];
  if (ErrorClass) return new ErrorClass(message);
  if (code === "invalid_argument") {
    const error = new DriverError(code, message);
    error.name = "InvalidArgumentError";
    return error;
  }
  return new DriverError(code, message);
}

/** The gRPC status an error thrown by a driver travels as. */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof DriverError) return error.code;
  if (error instanceof TypeError || error instanceof RangeError) return "invalid_argument";
  if (error instanceof Deno.errors.TimedOut) return "deadline_exceeded";
  if (error instanceof DOMException && error.name === "TimeoutError") return "deadline_exceeded";
  if (error instanceof DOMException && error.name === "AbortError") return "cancelled";
  if (
    error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted || error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.BrokenPipe
  ) return "unavailable";
  if (error instanceof Deno.errors.PermissionDenied) return "permission_denied";
  if (error instanceof Deno.errors.NotFound) return "not_found";
  if (error instanceof Deno.errors.AlreadyExists) return "already_exists";
  return "unknown";
}

/** A one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
