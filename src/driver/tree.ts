/**
 * A built driver tree: lookup by uuid, the pre-order report clients rebuild
 * their proxies from, and checked method dispatch.
 *
 * @module
 */
import type { Driver } from "./driver.ts";
import { RefDriver } from "./ref_driver.ts";
import { DriverNotFoundError } from "./errors.ts";
import type { MethodInfo, MethodKind, ParamType } from "./method_info.ts";

/** Label naming the client class that drives a node. */
export const CLIENT_LABEL = "jumpstarter.dev/client";
/** Label holding the node's key under its parent. */
export const NAME_LABEL = "jumpstarter.dev/name";

/** One node as reported by GetReport (the wire's DriverInstanceReport). */
export interface DriverReport {
  uuid: string;
  parentUuid?: string;
  labels: Record<string, string>;
  description?: string;
  methodsDescription: Record<string, string>;
}

/** The drivers of one exporter, indexed for calls. */
export class DriverTree {
  readonly #byUuid = new Map<string, Driver>();
  readonly #reports: DriverReport[] = [];

  constructor(readonly root: Driver) {
    const visit = (driver: Driver, name: string | undefined, parent: Driver | undefined) => {
      this.#byUuid.set(driver.uuid, driver);
      const labels: Record<string, string> = {
        ...driver.labels,
        [CLIENT_LABEL]: driver.clientLabel(),
      };
      if (name !== undefined) labels[NAME_LABEL] = name;
      const methodsDescription: Record<string, string> = {};
      for (const info of driver.methods().values()) {
        methodsDescription[info.name] = info.description ?? "";
      }
      this.#reports.push({
        uuid: driver.uuid,
        parentUuid: parent?.uuid,
        labels,
        description: driver.description,
        methodsDescription,
      });
      for (const [childName, child] of driver.children) visit(child, childName, driver);
    };
    visit(root, undefined, undefined);
  }

  /** Every driver, pre-order (parents before children). */
  drivers(): Driver[] {
    return [...this.#byUuid.values()];
  }

  /** The pre-order report of the whole tree. */
  report(): DriverReport[] {
    return this.#reports;
  }

  /** The driver with this uuid, or DriverNotFoundError. */
  get(uuid: string): Driver {
    const driver = this.#byUuid.get(uuid);
    if (!driver) throw new DriverNotFoundError(`No driver with uuid "${uuid}" on this exporter`);
    return driver;
  }

  /**
   * Looks up an exported method of the right kind and checks the arguments;
   * returns a function that runs it.
   */
  method(uuid: string, name: string, kind: MethodKind, args: unknown[]): () => unknown {
    const driver = this.get(uuid);
    const info = driver.methods().get(name);
    if (!info) {
      const known = [...driver.methods().keys()].join(", ") || "none";
      throw new DriverNotFoundError(
        `Driver "${nameOf(driver, this)}" has no method "${name}" (exported: ${known})`,
      );
    }
    if (info.kind !== kind) {
      throw new DriverNotFoundError(
        `Method "${name}" of driver "${nameOf(driver, this)}" is a ${kindName[info.kind]}, not a ${
          kindName[kind]
        }`,
      );
    }
    checkArgs(driver, info, args);
    const target = driver instanceof RefDriver ? driver.target : driver;
    // deno-lint-ignore no-explicit-any
    const fn = (target as any)[name] as (...a: unknown[]) => unknown;
    return () => fn.apply(target, args);
  }
}

const kindName: Record<MethodKind, string> = {
  unary: "unary call",
  streaming: "streaming call",
  stream: "byte stream",
};

function nameOf(driver: Driver, tree: DriverTree): string {
  return tree.report().find((r) => r.uuid === driver.uuid)?.labels[NAME_LABEL] ?? "root";
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function checkArgs(driver: Driver, info: MethodInfo, args: unknown[]): void {
  if (driver instanceof RefDriver) driver = driver.target;
  // deno-lint-ignore no-explicit-any
  const fn = (driver as any)[info.name] as (...a: unknown[]) => unknown;
  const params: ParamType[] | undefined = info.params;
  const max = params ? params.length : fn.length;
  const min = params ? params.filter((p) => !p.endsWith("?")).length : fn.length;
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new TypeError(
      `${info.name}() takes ${expected} argument${max === 1 ? "" : "s"}, got ${args.length}`,
    );
  }
  if (!params) return;
  args.forEach((arg, i) => {
    const optional = params[i].endsWith("?");
    const want = params[i].replace("?", "");
    if (want === "any" || (optional && arg === null)) return;
    const got = typeOf(arg);
    if (got !== want) {
      throw new TypeError(`${info.name}() argument ${i + 1} must be a ${want}, got ${got}`);
    }
  });
}
