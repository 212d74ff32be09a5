/**
 * A root client that owns its connection: the driver tree built over an
 * opened session, with `close()` and the exporter's facts attached.
 *
 * @module
 */
import { CLIENT_LABEL, type DriverReport } from "../driver/driver_report.ts";
import type { ExporterReport } from "../transport/fast/opening.ts";
import type { CompositeClient, DriverClient } from "./driver_client.ts";
import type { GrpcSession } from "./session.ts";
import { buildClientTree, type ClientRegistry } from "./tree.ts";

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
 * The root client over an opened session (also used by the in-memory
 * harness), first loading the client classes the report names.
 */
export async function clientTree<T extends DriverClient = CompositeClient>(
  { session, report }: { session: GrpcSession; report: ExporterReport },
  registry: ClientRegistry,
): Promise<Connected<T>> {
  const reports: DriverReport[] = report.reports.map((r) => ({
    uuid: r.uuid,
    parentUuid: r.parentUuid || undefined,
    labels: r.labels,
    description: r.description,
    methodsDescription: r.methodsDescription,
  }));
  await registry.loadClients?.(reports.map((r) => r.labels[CLIENT_LABEL]));
  const root = buildClientTree(session, reports, registry) as Connected<T>;
  const close = () => session.close();
  Object.defineProperties(root, {
    close: { value: close, configurable: true, writable: true },
    [Symbol.asyncDispose]: { value: close, configurable: true, writable: true },
    exporter: { value: { uuid: report.uuid, labels: report.labels, motd: report.motd } },
  });
  return root;
}
