/**
 * Jumpstarter for Deno: drive boards (real or virtual) from code.
 *
 * Connect to the current session's exporter and call its drivers:
 *
 * @example
 * ```ts ignore
 * import { env, type VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * await using dut = await env<VirtualBoard>();
 * await using serial = await dut.serial.open();
 * await dut.power.on();
 * await serial.expect("login:");
 * ```
 *
 * Writing a driver: extend `Driver`, mark methods with `@unary`, `@streaming`
 * or `@byteStream`, and add it to `drivers/registry.ts`.
 *
 * @module
 */
export { connect, env } from "./src/client/connect.ts";
export type { Connected } from "./src/client/connect.ts";
export {
  CompositeClient,
  DriverClient,
  type Upload,
  type UploadOptions,
} from "./src/client/driver_client.ts";
export { Composite, Driver, type DriverContext, type ResourceHandle } from "./src/driver/driver.ts";
export { byteStream, streaming, unary } from "./src/driver/exports.ts";
export { type Duplex, duplexPair, readAll } from "./src/driver/stream.ts";
export type { JsonValue } from "./src/driver/value.ts";
export { ConfigError, ConfigReader } from "./src/driver/config_check.ts";
export {
  DriverError,
  DriverNotFoundError,
  DriverTimeoutError,
  FailedPreconditionError,
  NotImplementedError,
  UnavailableError,
} from "./src/driver/errors.ts";
export { loadExporterConfig, parseExporterConfig } from "./src/config/exporter_config.ts";
export { serveLocal } from "./src/exporter/local.ts";
export { registry } from "./drivers/registry.ts";
export { PowerClient, type PowerReading } from "./drivers/power/client.ts";
export { SerialClient } from "./drivers/serial/client.ts";
export { Console } from "./drivers/serial/console.ts";
export { StorageClient } from "./drivers/storage/client.ts";
export type { VirtualBoard } from "./drivers/virtual/client.ts";
export { NetworkClient } from "./drivers/network/client.ts";
export { ShellClient } from "./drivers/shell/client.ts";
export { lease, type LeaseOptions } from "./src/client/lease.ts";
