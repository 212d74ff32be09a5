/**
 * The registry type: driver type names to exporter-side classes, and
 * client class labels to client-side classes (a type parameter: the client
 * side is a layer above the driver model). The one static registry that
 * all executables share lives in `drivers/registry.ts`.
 *
 * An entry gives its class, or a `load` function importing the class's
 * module when a config or an exporter's report first names it, so that a
 * process loads the drivers it uses, not all of them. `load()` and
 * `loadClients()` fetch those; `driver()` and `client()` then answer at once.
 *
 * @module
 */
import type { DriverClass } from "./driver.ts";
import { ConfigError } from "./config_check.ts";

/** One driver type. */
export interface DriverEntry {
  /** Config `type` name, `<family>.<Class>`. */
  type: string;
  /** The class; or give `load`. */
  driver?: DriverClass;
  /** Imports the class's module (for a driver loaded on first use). */
  load?: () => Promise<DriverClass>;
  /** Other names accepted in configs (upstream class paths). */
  aliases?: string[];
}

/** One client class, by the `jumpstarter.dev/client` labels it handles. */
export interface ClientEntry<Client = unknown> {
  labels: string[];
  /** The class; or give `load`. */
  client?: Client;
  /** Imports the class's module (for a client loaded on first use). */
  load?: () => Promise<Client>;
}

/** `load()` once per entry: a failed load is tried again by the next caller. */
function once<T>(loading: Map<object, Promise<unknown>>, entry: object, load: () => Promise<T>) {
  let pending = loading.get(entry) as Promise<T> | undefined;
  if (!pending) {
    pending = load().finally(() => loading.delete(entry));
    loading.set(entry, pending);
  }
  return pending;
}

/** Lookup tables built once from the static lists. */
export class Registry<Client = unknown> {
  readonly #drivers = new Map<string, DriverEntry>();
  readonly #driverClasses = new Map<DriverEntry, DriverClass>();
  readonly #clients = new Map<string, ClientEntry<Client>>();
  readonly #clientClasses = new Map<ClientEntry<Client>, Client>();
  /** Loads under way, so that callers at the same time share one. */
  readonly #loading = new Map<object, Promise<unknown>>();

  constructor(drivers: DriverEntry[], clients: ClientEntry<Client>[]) {
    for (const entry of drivers) {
      if (!entry.driver && !entry.load) throw new Error(`Driver type "${entry.type}" has no class`);
      if (entry.driver) this.#driverClasses.set(entry, entry.driver);
      for (const name of [entry.type, ...(entry.aliases ?? [])]) {
        if (this.#drivers.has(name)) throw new Error(`Driver type "${name}" registered twice`);
        this.#drivers.set(name, entry);
      }
    }
    for (const entry of clients) {
      if (entry.client === undefined && !entry.load) {
        throw new Error(`Client for "${entry.labels.join(", ")}" has no class`);
      }
      if (entry.client !== undefined) this.#clientClasses.set(entry, entry.client);
      for (const label of entry.labels) this.#clients.set(label, entry);
    }
  }

  #entry(type: string, path: string): DriverEntry {
    const entry = this.#drivers.get(type);
    if (!entry) {
      throw new ConfigError(
        `Unknown driver type "${type}" at ${path}; known types: ${this.types().join(", ")}`,
      );
    }
    return entry;
  }

  /**
   * The driver class for a config `type`, or a ConfigError naming the known
   * types. A type whose class loads on first use needs `load()` first.
   */
  driver(type: string, path: string): DriverClass {
    const entry = this.#entry(type, path);
    const found = this.#driverClasses.get(entry);
    if (!found) throw new Error(`Driver type "${type}" is not loaded yet: await registry.load()`);
    return found;
  }

  /**
   * Loads the classes of these config types (`path` names where a type is
   * used, for the ConfigError of an unknown one); all of them when none given.
   */
  async load(uses?: { type: string; path: string }[]): Promise<void> {
    const entries = uses
      ? uses.map(({ type, path }) => this.#entry(type, path))
      : [...this.#drivers.values()];
    await Promise.all([...new Set(entries)].map(async (entry) => {
      if (this.#driverClasses.has(entry) || !entry.load) return;
      this.#driverClasses.set(entry, await once(this.#loading, entry, entry.load));
    }));
  }

  /** Canonical driver type names. */
  types(): string[] {
    return [...new Set([...this.#drivers.values()].map((e) => e.type))].sort();
  }

  /** Every driver type once, by canonical name, with its aliases. */
  entries(): DriverEntry[] {
    return [...new Set(this.#drivers.values())].sort((a, b) => a.type.localeCompare(b.type));
  }

  /** The client class for a `jumpstarter.dev/client` label, if known and loaded. */
  client(label: string | undefined): Client | undefined {
    const entry = label === undefined ? undefined : this.#clients.get(label);
    return entry && this.#clientClasses.get(entry);
  }

  /** Loads the client classes of these labels (unknown ones are skipped); all when none given. */
  async loadClients(labels?: (string | undefined)[]): Promise<void> {
    const entries = labels
      ? labels.map((label) => label === undefined ? undefined : this.#clients.get(label))
      : [...this.#clients.values()];
    await Promise.all([...new Set(entries)].map(async (entry) => {
      if (!entry || this.#clientClasses.has(entry) || !entry.load) return;
      this.#clientClasses.set(entry, await once(this.#loading, entry, entry.load));
    }));
  }
}
