/**
 * Opening a client: `connect(host, { registry })` for an explicit exporter
 * address and `env({ registry })` for the session the CLI set up
 * (`JUMPSTARTER_HOST`). The registry says which client class serves each
 * driver; `mod.ts` supplies the built-in one.
 *
 * @module
 */
import { FailedPreconditionError } from "../driver/errors.ts";
import { clientTree, type Connected } from "./connected.ts";
import type { CompositeClient, DriverClient } from "./driver_client.ts";
import type { SessionOptions } from "./fast_path_choice.ts";
import { GrpcSession } from "./session.ts";
import { checkDriversPolicy } from "./drivers_policy.ts";
import { type DriversPolicy, driversPolicyFrom } from "../config/client_config_fields.ts";
import { directFromEnv } from "./direct.ts";
import type { ClientRegistry } from "./tree.ts";

/**
 * How to connect: the session's options and the client classes to build the tree from.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   type ConnectOptions,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * const options: Partial<ConnectOptions> = { fastPath: false }; // gRPC only
 * await using dut = await connect<VirtualBoard>(exporter.socketPath, options);
 * await dut.power.on();
 * ```
 */
export interface ConnectOptions extends SessionOptions {
  registry: ClientRegistry;
  /**
   * The client config's `drivers` section: an exporter offering a driver
   * whose client class it does not allow is refused. Default: the list in
   * `JMP_DRIVERS_ALLOW` when set, else every driver.
   */
  drivers?: DriversPolicy;
}

/**
 * Connects to an exporter at `host` (socket path, `unix://` URL or
 * `http://host:port`) and returns the root of its driver tree. A local
 * exporter of this project also offers its fast channel, which is used for
 * driver calls and streams unless `fastPath: false` (or `JMP_FAST_PATH=off`).
 *
 * @example
 * ```ts
 * import { connect } from "./connect.ts";
 * import { loadExporterConfig, registry, serveLocal } from "@jumpstarter/jumpstarter";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect(exporter.socketPath, { registry });
 * await dut.power.on();
 * ```
 */
export async function connect<T extends DriverClient = CompositeClient>(
  host: string,
  { registry, drivers: given, ...options }: ConnectOptions,
): Promise<Connected<T>> {
  const drivers = given ??
    (Deno.env.get("JMP_DRIVERS_ALLOW") ? driversPolicyFrom({}, "") : undefined);
  const opened = await GrpcSession.open(host, options);
  if (drivers) {
    try {
      checkDriversPolicy(drivers, opened.report.reports);
    } catch (error) {
      await opened.session.close();
      throw error;
    }
  }
  try {
    return await clientTree<T>(opened, registry);
  } catch (error) {
    await opened.session.close();
    throw error;
  }
}

/**
 * Connects to the exporter of the current session: inside `jumpstarter shell`
 * (or any process given `JUMPSTARTER_HOST`).
 *
 * @example Needs a session (`jumpstarter shell --exporter-config examples/virtual-board.yaml`):
 * ```ts ignore
 * import { env } from "./connect.ts";
 * import { registry, type VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * await using dut = await env<VirtualBoard>({ registry });
 * await dut.power.cycle();
 * ```
 */
export async function env<T extends DriverClient = CompositeClient>(
  options: ConnectOptions,
): Promise<Connected<T>> {
  const host = Deno.env.get("JUMPSTARTER_HOST");
  if (!host) {
    throw new FailedPreconditionError(
      "JUMPSTARTER_HOST is not set: run inside `jumpstarter shell --exporter-config FILE` or set it to an exporter socket",
    );
  }
  const resolved = await directFromEnv(host);
  return await connect<T>(resolved.host, { ...options, direct: options.direct ?? resolved.direct });
}
