/**
 * A built driver tree: lookup by uuid, the pre-order report clients rebuild
 * their proxies from, and checked method dispatch.
 *
 * @module
 */
import { checkArgs } from "./check_args.ts";
import type { Driver } from "./driver.ts";
import { CLIENT_LABEL, type DriverReport, NAME_LABEL } from "./driver_report.ts";
import { DriverNotFoundError } from "./errors.ts";
import type { MethodKind } from "./method_info.ts";
import { RefDriver } from "./ref_driver.ts";

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
        methodsDescription[info.name] = driver.methodDescriptions[info.name] ||
          (info.description ?? "");
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
