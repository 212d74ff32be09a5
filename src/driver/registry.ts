/**
 * The registry type: driver type names to exporter-side classes, and
 * client class labels to client-side classes (a type parameter: the client
 * side is a layer above the driver model). The one static registry that
 * all executables share lives in `drivers/registry.ts`.
 *
 * @module
 */
import type { DriverClass } from "./driver.ts";
import { ConfigError } from "./config_check.ts";

/** One driver type. */
export interface DriverEntry {
  /** Config `type` name, `<family>.<Class>`. */
  type: string;
  driver: DriverClass;
  /** Other names accepted in configs (upstream class paths). */
  aliases?: string[];
}

/** One client class, by the `jumpstarter.dev/client` labels it handles. */
export interface ClientEntry<Client = unknown> {
  labels: string[];
  client: Client;
}

/** Lookup tables built once from the static lists. */
export class Registry<Client = unknown> {
  readonly #drivers = new Map<string, DriverEntry>();
  readonly #clients = new Map<string, Client>();

  constructor(drivers: DriverEntry[], clients: ClientEntry<Client>[]) {
    for (const entry of drivers) {
      for (const name of [entry.type, ...(entry.aliases ?? [])]) {
        if (this.#drivers.has(name)) throw new Error(`Driver type "${name}" registered twice`);
        this.#drivers.set(name, entry);
      }
    }
    for (const entry of clients) {
      for (const label of entry.labels) this.#clients.set(label, entry.client);
    }
  }

  /** The driver class for a config `type`, or a ConfigError naming the known types. */
  driver(type: string, path: string): DriverClass {
    const entry = this.#drivers.get(type);
    if (!entry) {
      throw new ConfigError(
        `Unknown driver type "${type}" at ${path}; known types: ${this.types().join(", ")}`,
      );
    }
    return entry.driver;
  }

  /** Canonical driver type names. */
  types(): string[] {
    return [...new Set([...this.#drivers.values()].map((e) => e.type))].sort();
  }

  /** Every driver type once, by canonical name, with its aliases. */
  entries(): DriverEntry[] {
    return [...new Set(this.#drivers.values())].sort((a, b) => a.type.localeCompare(b.type));
  }

  /** The client class for a `jumpstarter.dev/client` label, if known. */
  client(label: string | undefined): Client | undefined {
    return label === undefined ? undefined : this.#clients.get(label);
  }
}
