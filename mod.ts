/**
 * Jumpstarter for Deno: drive boards (real or virtual) from code.
 *
 * Connect to the current session's exporter and call its drivers.
 *
 * @example Needs a session (`jumpstarter shell --exporter-config examples/virtual-board.yaml`):
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
import {
  connect as connectWith,
  type ConnectOptions,
  env as envWith,
} from "./src/client/connect.ts";
import type { Connected } from "./src/client/connected.ts";
import { lease as leaseWith } from "./src/client/lease.ts";
import type { LeaseOptions } from "./src/client/lease_acquire.ts";
import type {
  CompositeClient,
  DriverClient,
  DriverClientClass,
} from "./src/client/driver_client.ts";
import type { ExporterConfig } from "./src/config/exporter_config.ts";
import {
  type LocalExporter,
  type LocalOptions,
  serveLocal as serveWith,
} from "./src/exporter/local.ts";
import type { Registry } from "./src/driver/registry.ts";
import { registry } from "./drivers/registry.ts";

export type { Connected, ConnectOptions, LeaseOptions, LocalExporter, LocalOptions };
export { CompositeClient, DriverClient } from "./src/client/driver_client.ts";
export type { Upload, UploadOptions } from "./src/client/resource_transfer.ts";
export type {
  CliOutput,
  CommandArgument,
  CommandInput,
  CommandOption,
  CommandResult,
  DriverCommand,
} from "./src/client/commands.ts";
export { parseNumberOption } from "./src/client/command_values.ts";
export { Composite } from "./src/driver/composite.ts";
export { Driver } from "./src/driver/driver.ts";
export type { DriverContext } from "./src/driver/driver_context.ts";
export type { ResourceHandle } from "./src/driver/resource_handle.ts";
export { byteStream, streaming, unary } from "./src/driver/exports.ts";
export { type Duplex, duplexPair } from "./src/driver/stream.ts";
export { readAll } from "./src/driver/read_all.ts";
export type { JsonValue } from "./src/driver/json_value.ts";
export { ConfigError, ConfigReader } from "./src/driver/config_check.ts";
export { DriverError } from "./src/driver/driver_error.ts";
export {
  DriverNotFoundError,
  DriverTimeoutError,
  FailedPreconditionError,
  NotImplementedError,
  UnavailableError,
} from "./src/driver/errors.ts";
export { loadExporterConfig, parseExporterConfig } from "./src/config/exporter_config.ts";
export { registry };
export { PowerClient, type PowerReading } from "./drivers/power/client.ts";
export { SerialClient } from "./drivers/serial/client.ts";
export { Console } from "./drivers/serial/console.ts";
export { StorageClient } from "./drivers/storage/client.ts";
export type { VirtualBoard } from "./drivers/virtual/client.ts";
export { NetworkClient } from "./drivers/network/client.ts";
export { FileServerClient } from "./drivers/netboot/client.ts";
export { UbootClient } from "./drivers/uboot/client.ts";
export type { UbootSession } from "./drivers/uboot/session.ts";
export { ShellClient } from "./drivers/shell/client.ts";
export { VideoClient } from "./drivers/video/client.ts";
export { VideoDriver, type VideoState } from "./drivers/video/interface.ts";
export {
  decodeImage,
  encodeJpeg,
  encodePng,
  type Pixels,
  type Region,
} from "./drivers/video/image.ts";
export { MJPEG_CONTENT_TYPE, readMjpegFrames } from "./drivers/video/mjpeg.ts";
export {
  type ImageCheckOptions,
  ScreenCheckError,
  type TextCheckOptions,
  type TextMatch,
} from "./drivers/video/screen_checks.ts";
export type { QemuBoard } from "./drivers/qemu/board_client.ts";
export { GpioClient } from "./drivers/gpio/client.ts";

/**
 * Connects to an exporter at `host` (socket path, `unix://` URL or
 * `http://host:port`) and returns the root of its driver tree, with a typed
 * client per driver. A local exporter of this project also offers its fast
 * channel, used unless `fastPath: false` (or `JMP_FAST_PATH=off`). The
 * built-in registry picks the clients unless `registry` names another.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await dut.power.on();
 * await dut.power.off();
 * ```
 */
export function connect<T extends DriverClient = CompositeClient>(
  host: string,
  options: Partial<ConnectOptions> = {},
): Promise<Connected<T>> {
  return connectWith<T>(host, { registry, ...options });
}

/**
 * Connects to the exporter of the current session: inside `jumpstarter
 * shell` (or any process given `JUMPSTARTER_HOST`).
 *
 * @example Needs a session (`jumpstarter shell --exporter-config examples/virtual-board.yaml`):
 * ```ts ignore
 * import { env, type VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * await using dut = await env<VirtualBoard>();
 * await dut.power.cycle();
 * ```
 */
export function env<T extends DriverClient = CompositeClient>(
  options: Partial<ConnectOptions> = {},
): Promise<Connected<T>> {
  return envWith<T>({ registry, ...options });
}

/**
 * Leases a board from the configured controller and returns its driver
 * tree, like `env()`; disposing it closes the connection and releases the
 * lease.
 *
 * @example Needs a controller and a client config (see docs/distributed.md):
 * ```ts ignore
 * import { lease, type VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * await using dut = await lease<VirtualBoard>({ selector: "board=virtual", duration: "10m" });
 * await dut.power.on();
 * ```
 */
export function lease<T extends DriverClient = CompositeClient>(
  options: LeaseOptions & { registry?: Registry<DriverClientClass> },
): Promise<Connected<T>> {
  return leaseWith<T>({ registry, ...options });
}

/**
 * Serves the exporter of `config` on a private unix socket (mode 0600) in
 * this process; `await using` stops it and removes the socket.
 *
 * @example
 * ```ts
 * import { loadExporterConfig, serveLocal } from "@jumpstarter/jumpstarter";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * console.log(exporter.socketPath);
 * ```
 */
export function serveLocal(
  config: ExporterConfig,
  options: LocalOptions & { registry?: Registry } = {},
): Promise<LocalExporter> {
  return serveWith(config, options.registry ?? registry, options);
}
