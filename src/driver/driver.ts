/**
 * The exporter-side driver base class. A driver owns one interface of a
 * device (power, console, storage...), exports some of its methods, and may
 * have named children. The exporter builds a tree of drivers from a config.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { exportedMethods, type MethodInfo } from "./exports.ts";

/** A driver's `config:` mapping from the exporter config, still unvalidated. */
export type DriverConfig = Record<string, unknown>;

/** A reference to a resource a client opened (upstream's handle shape). */
export interface ResourceHandle {
  kind: "client_stream";
  uuid: string;
}

/** What the exporter gives every driver it builds. */
export interface DriverContext {
  /** Export key of this driver (`power`), empty for the root. */
  readonly name: string;
  /** Dotted path in the config (`export.board.power`) for error messages. */
  readonly path: string;
  readonly log: Logger;
  /** Directory of the config file; relative paths in a config resolve against it. */
  readonly baseDir: string;
  /** An object shared by drivers of one exporter under `key`, made on first use. */
  shared<T>(key: string, make: () => T): T;
  /** The bytes of a resource a client uploaded, passed to a method as a handle. */
  openResource(handle: unknown): ReadableStream<Uint8Array>;
  /**
   * Where to write bytes a client downloads through a resource handle (upstream's
   * `read(dst)`, `dump(target)`); closing it (or the method returning) ends the
   * download. The exporter always provides it; contexts made by hand for unit
   * tests may leave it out.
   */
  resourceWriter?(handle: unknown): WritableStream<Uint8Array>;
}

/**
 * The context of a child a driver makes itself (a board's `power`, `serial`,
 * `storage`): same exporter, its own name and path.
 */
export function childContext(parent: DriverContext, name: string): DriverContext {
  return {
    name,
    path: `${parent.path}.children.${name}`,
    log: parent.log.child(parent.log.source ? `${parent.log.source}.${name}` : name),
    baseDir: parent.baseDir,
    shared: <T>(key: string, make: () => T): T => parent.shared(key, make),
    openResource: (handle: unknown) => parent.openResource(handle),
    resourceWriter: parent.resourceWriter
      ? (handle: unknown) => parent.resourceWriter!(handle)
      : undefined,
  };
}

/** A driver class as the registry holds it. */
export interface DriverClass {
  new (config: DriverConfig, context: DriverContext): Driver;
  /** The `jumpstarter.dev/client` label: which client class drives it. */
  readonly client: string;
  readonly prototype: Driver;
}

/** Base of every exporter-side driver. */
export abstract class Driver {
  /** Client class path reported to clients; subclasses set it. */
  static client = "jumpstarter_driver_composite.client.CompositeClient";

  readonly uuid: string = crypto.randomUUID();
  readonly children: Map<string, Driver> = new Map();
  /** Free-form description shown in reports and help. */
  description?: string;
  /** Extra labels reported beside the client and name labels. */
  readonly labels: Record<string, string> = {};

  constructor(readonly config: DriverConfig, readonly context: DriverContext) {
    if (typeof config.description === "string") this.description = config.description;
  }

  #log?: Logger;

  /** Logger scoped to this driver; its records carry the driver's uuid. */
  get log(): Logger {
    return this.#log ??= this.context.log.child(this.context.log.source, this.uuid);
  }

  /** Adds a child driver under `name` (used by composite drivers). */
  addChild(name: string, child: Driver): void {
    if (this.children.has(name)) {
      throw new TypeError(`Cannot add child "${name}" to ${this.context.path}: name already used`);
    }
    this.children.set(name, child);
  }

  /** Runs once after the tree is built, before the first call (open ports, check devices). */
  open(): Promise<void> | void {}

  /** Returns the driver to its initial state between sessions (Reset call). */
  reset(): Promise<void> | void {}

  /** Releases everything the driver holds; called once when the exporter stops. */
  close(): Promise<void> | void {}

  /** The exported methods of this driver. */
  methods(): Map<string, MethodInfo> {
    return exportedMethods(this.constructor as DriverClass);
  }

  /** The client class label of this driver. */
  clientLabel(): string {
    return (this.constructor as DriverClass).client;
  }
}

/** A driver with no interface of its own: it groups its children. */
export class Composite extends Driver {
  static override client = "jumpstarter_driver_composite.client.CompositeClient";
}

/** A second name for another driver in the same tree (`{ref: power}` in a config). */
export class RefDriver extends Driver {
  #target?: Driver;

  /** The driver this name points at. */
  get target(): Driver {
    if (!this.#target) throw new Error(`Reference ${this.context.path} was never resolved`);
    return this.#target;
  }
  set target(driver: Driver) {
    this.#target = driver;
  }
  override methods(): Map<string, MethodInfo> {
    return this.target.methods();
  }
  override clientLabel(): string {
    return this.target.clientLabel();
  }
}
