/**
 * The exporter-side driver base class. A driver owns one interface of a
 * device (power, console, storage...), exports some of its methods, and may
 * have named children. The exporter builds a tree of drivers from a config.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { DriverConfig, DriverContext } from "./driver_context.ts";
import { exportedMethods } from "./exports.ts";
import type { MethodInfo } from "./method_info.ts";

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
  /** Help text per method from the config (`methods_description`), over the decorators' own. */
  methodDescriptions: Record<string, string> = {};
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
