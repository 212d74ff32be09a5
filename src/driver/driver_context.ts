/**
 * What the exporter gives every driver it builds: its `config:` mapping
 * (`DriverConfig`) and its `DriverContext` (name, path, logger, base
 * directory, shared objects, resources), and the context of a child a
 * driver makes itself (`childContext`).
 *
 * @module
 */
import type { Logger } from "../log.ts";

/** A driver's `config:` mapping from the exporter config, still unvalidated. */
export type DriverConfig = Record<string, unknown>;

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
