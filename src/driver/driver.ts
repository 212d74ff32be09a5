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

/**
 * A reference to a resource a client opened (upstream's handle shape). A
 * driver method takes it as an argument and reads the bytes with
 * `context.openResource(handle)`.
 *
 * @example
 * ```ts
 * import { Driver, readAll, type ResourceHandle, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Flasher extends Driver {
 *   @unary({ params: ["object"] })
 *   async flash(handle: ResourceHandle): Promise<number> {
 *     return (await readAll(this.context.openResource(handle))).byteLength;
 *   }
 * }
 * await using root = await driverHarness(Flasher);
 * const upload = await root.child("dut").upload(ReadableStream.from([new Uint8Array(512)]));
 * assert.equal(await root.child("dut").call("flash", upload.handle), 512);
 * ```
 */
export interface ResourceHandle {
  kind: "client_stream";
  uuid: string;
}

/**
 * What the exporter gives every driver it builds.
 *
 * @example
 * ```ts
 * import { Driver, type DriverContext, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Firmware extends Driver {
 *   readonly file: string;
 *   constructor(config: Record<string, unknown>, context: DriverContext) {
 *     super(config, context);
 *     this.file = `${context.baseDir}/${config.file}`; // relative to the config file
 *   }
 *   @unary()
 *   path(): string {
 *     return this.file;
 *   }
 * }
 * await using root = await driverHarness(Firmware, { file: "fw.bin" });
 * assert.equal(await root.child("dut").call("path"), `${Deno.cwd()}/fw.bin`);
 * ```
 */
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

/**
 * Base of every exporter-side driver: extend it, mark the methods clients
 * may call with `@unary`, `@streaming` or `@byteStream`, and name the client
 * class in `static client`.
 *
 * @example
 * ```ts
 * import { Driver, unary } from "@jumpstarter/jumpstarter";
 * import { driverHarness } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * class Relay extends Driver {
 *   #closed = false;
 *   @unary({ description: "Close or open the relay", params: ["boolean"] })
 *   set(closed: boolean): void {
 *     this.#closed = closed;
 *   }
 *   @unary()
 *   get(): boolean {
 *     return this.#closed;
 *   }
 * }
 * await using root = await driverHarness(Relay);
 * await root.child("dut").call("set", true);
 * assert.equal(await root.child("dut").call("get"), true);
 * ```
 */
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

/**
 * A driver with no interface of its own: it groups its children. Configs
 * name it `composite.Composite`.
 *
 * @example
 * ```ts
 * import {
 *   Composite,
 *   connect,
 *   loadExporterConfig,
 *   registry,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * assert.equal(registry.driver("composite.Composite", "export.bench"), Composite);
 * await using exporter = await serveLocal(await loadExporterConfig("examples/composite.yaml"));
 * await using dut = await connect(exporter.socketPath);
 * await dut.bench.rack.outlet.on(); // bench and rack are Composites
 * ```
 */
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
