/**
 * An exporter: the driver tree of one config plus what a session around it
 * needs (uploaded resources, the log hub, status). Transport-neutral: the
 * gRPC service in `service.ts` and any faster path call into this.
 *
 * @module
 */
import type { ExporterConfig } from "../config/exporter_config.ts";
import type { Registry } from "../driver/registry.ts";
import type { DriverTree } from "../driver/tree.ts";
import { Logger, type LogRecord } from "../log.ts";
import { buildTree, closeDrivers } from "./build.ts";
import { ResourceTable } from "./resources.ts";

/** Exporter states as reported by GetStatus (mirrors the wire enum names). */
export type ExporterState = "available" | "lease_ready" | "offline";

/** A built exporter, ready to serve. */
export class Exporter {
  readonly uuid: string = crypto.randomUUID();
  state: ExporterState = "lease_ready";
  statusVersion = 1;
  #closed = false;

  private constructor(
    readonly config: ExporterConfig,
    readonly tree: DriverTree,
    readonly log: Logger,
    readonly resources: ResourceTable,
  ) {}

  /** Builds and opens the drivers of `config`. */
  static async create(
    config: ExporterConfig,
    registry: Registry,
    log: Logger = new Logger("exporter"),
  ): Promise<Exporter> {
    const resources = new ResourceTable();
    const tree = await buildTree(config, registry, log, resources);
    return new Exporter(config, tree, log, resources);
  }

  /** Labels reported by GetReport for the whole exporter. */
  labels(): Record<string, string> {
    return { "jumpstarter.dev/name": this.config.metadata.name };
  }

  /** Follows log records from now on; returns a function that stops. */
  followLogs(onRecord: (record: LogRecord) => void): () => void {
    return this.log.attach(onRecord);
  }

  /** Resets every driver to its initial state (between sessions). */
  async reset(): Promise<void> {
    for (const driver of this.tree.drivers()) await driver.reset();
  }

  /** Closes every driver once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.state = "offline";
    await closeDrivers(this.tree.drivers());
  }
}
