/**
 * Opening a client: `connect(host, { registry })` for an explicit exporter
 * address and `env({ registry })` for the session the CLI set up
 * (`JUMPSTARTER_HOST`). The registry says which client class serves each
 * driver; `mod.ts` supplies the built-in one.
 *
 * @module
 */
import type { DriverReport } from "../driver/tree.ts";
import { FailedPreconditionError } from "../driver/errors.ts";
import type { CompositeClient, DriverClient } from "./driver_client.ts";
import { GrpcSession, type SessionOptions } from "./session.ts";
import type { ExporterReport } from "../transport/fast/opening.ts";
import { buildClientTree, type ClientRegistry } from "./tree.ts";

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
}

/**
 * A root client that owns its connection: `await using` closes it.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   type Connected,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * const dut: Connected<VirtualBoard> = await connect<VirtualBoard>(exporter.socketPath);
 * assert.equal(dut.exporter.motd, "A simulated board with power, a serial console and storage");
 * await dut.close();
 * ```
 */
export type Connected<T extends DriverClient = CompositeClient> = T & AsyncDisposable & {
  /** Closes the connection and every open stream. */
  close(): Promise<void>;
  /** Exporter-level facts from GetReport. */
  exporter: { uuid: string; labels: Record<string, string>; motd: string };
};

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
  { registry, ...options }: ConnectOptions,
): Promise<Connected<T>> {
  return clientTree<T>(await GrpcSession.open(host, options), registry);
}

/** The root client over an opened session (also used by the in-memory harness). */
export function clientTree<T extends DriverClient = CompositeClient>(
  { session, report }: { session: GrpcSession; report: ExporterReport },
  registry: ClientRegistry,
): Connected<T> {
  const reports: DriverReport[] = report.reports.map((r) => ({
    uuid: r.uuid,
    parentUuid: r.parentUuid || undefined,
    labels: r.labels,
    description: r.description,
    methodsDescription: r.methodsDescription,
  }));
  const root = buildClientTree(session, reports, registry) as Connected<T>;
  const close = () => session.close();
  Object.defineProperties(root, {
    close: { value: close, configurable: true, writable: true },
    [Symbol.asyncDispose]: { value: close, configurable: true, writable: true },
    exporter: { value: { uuid: report.uuid, labels: report.labels, motd: report.motd } },
  });
  return root;
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
  return await connect<T>(host, options);
}
