/**
 * Rebuilds the exporter's driver tree on the client: one typed client per
 * reported node (chosen by its `jumpstarter.dev/client` label), children
 * attached by name so `dut.power.on()` works.
 *
 * @module
 */
import { CLIENT_LABEL, type DriverReport } from "../driver/driver_report.ts";
import type { ClientSession } from "./client_session.ts";
import { CompositeClient, DriverClient, type DriverClientClass } from "./driver_client.ts";

/** Where the tree finds the client class for a `jumpstarter.dev/client` label. */
export interface ClientRegistry {
  client(label: string | undefined): DriverClientClass | undefined;
  /** Loads the classes of these labels, for a registry whose classes load on first use. */
  loadClients?(labels: (string | undefined)[]): Promise<void>;
}

/** Builds the client tree from a pre-order report; returns the root. */
export function buildClientTree(
  session: ClientSession,
  reports: DriverReport[],
  registry: ClientRegistry,
): DriverClient {
  const byUuid = new Map<string, DriverClient>();
  const parents = new Set(reports.map((r) => r.parentUuid).filter(Boolean));
  let root: DriverClient | undefined;
  for (const report of reports) {
    const known = registry.client(report.labels[CLIENT_LABEL]);
    const ClientClass: DriverClientClass = known ??
      (parents.has(report.uuid) ? CompositeClient : DriverClient);
    const client = new ClientClass(session, report);
    byUuid.set(report.uuid, client);
    const parent = report.parentUuid ? byUuid.get(report.parentUuid) : undefined;
    if (!parent) {
      root ??= client;
      continue;
    }
    parent.children.set(client.name, client);
    if (client.name && !(client.name in parent)) {
      Object.defineProperty(parent, client.name, { value: client, enumerable: true });
    }
  }
  if (!root) throw new TypeError("The exporter reported an empty driver tree");
  return root;
}
