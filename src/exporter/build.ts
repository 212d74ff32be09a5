/**
 * Builds a driver tree from an ExporterConfig's `export:` section using the
 * registry (loading the classes it names), resolves `ref` aliases, and opens
 * every driver.
 *
 * @module
 */
import type { ExporterConfig, ExportNode } from "../config/exporter_config.ts";
import { ConfigError } from "../driver/config_check.ts";
import { Composite } from "../driver/composite.ts";
import type { Driver } from "../driver/driver.ts";
import type { DriverContext } from "../driver/driver_context.ts";
import { RefDriver } from "../driver/ref_driver.ts";
import type { Registry } from "../driver/registry.ts";
import { DriverTree } from "../driver/tree.ts";
import type { Logger } from "../log.ts";
import type { ResourceTable } from "./resources.ts";

/** Builds, resolves and opens the tree; on failure closes what was opened. */
export async function buildTree(
  config: ExporterConfig,
  registry: Registry,
  log: Logger,
  resources: ResourceTable,
): Promise<DriverTree> {
  await registry.load(typesUsed(config.export, "export"));
  const sharedObjects = new Map<string, unknown>();
  const refs: { driver: RefDriver; ref: string; path: string }[] = [];
  const byPath = new Map<string, Driver>();

  const contextFor = (name: string, path: string, uuidHint?: string): DriverContext => ({
    name,
    path,
    log: log.child(
      path.replace(/^export\.?/, "").replaceAll(".children.", ".") || "root",
      uuidHint,
    ),
    baseDir: config.baseDir,
    shared<T>(key: string, make: () => T): T {
      if (!sharedObjects.has(key)) sharedObjects.set(key, make());
      return sharedObjects.get(key) as T;
    },
    openResource: (handle) => resources.open(handle),
    resourceWriter: (handle) => resources.writer(handle),
  });

  const build = (name: string, node: ExportNode, path: string, dotted: string): Driver => {
    if (node.kind === "ref") {
      const driver = new RefDriver({}, contextFor(name, path));
      refs.push({ driver, ref: node.ref, path });
      byPath.set(dotted, driver);
      return driver;
    }
    const DriverClassFound = registry.driver(node.type, path);
    const driverConfig = node.description
      ? { description: node.description, ...node.config }
      : node.config;
    const driver = new DriverClassFound(driverConfig, contextFor(name, path));
    applyMethodDescriptions(driver, node.methodsDescription, path);
    byPath.set(dotted, driver);
    for (const [childName, child] of Object.entries(node.children)) {
      driver.addChild(
        childName,
        build(childName, child, `${path}.children.${childName}`, `${dotted}.${childName}`),
      );
    }
    return driver;
  };

  const root = new Composite({}, contextFor("", "export"));
  if (config.description) root.description = config.description;
  for (const [name, node] of Object.entries(config.export)) {
    root.addChild(name, build(name, node, `export.${name}`, name));
  }
  // Drivers may add their own children (a board with power/serial/storage): index those too.
  const indexChildren = (driver: Driver, dotted: string) => {
    for (const [childName, child] of driver.children) {
      const childPath = `${dotted}.${childName}`;
      if (!byPath.has(childPath)) byPath.set(childPath, child);
      indexChildren(child, childPath);
    }
  };
  for (const [name, driver] of root.children) indexChildren(driver, name);

  for (const { driver, ref, path } of refs) {
    let target = byPath.get(ref);
    const seen = new Set<Driver>();
    while (target instanceof RefDriver && !seen.has(target)) {
      seen.add(target);
      const next = refs.find((r) => r.driver === target);
      target = next ? byPath.get(next.ref) : undefined;
    }
    if (!target || target instanceof RefDriver) {
      throw new ConfigError(
        `Invalid exporter config at ${path}.ref: no driver named "${ref}" (known: ${
          [...byPath.keys()].filter((k) => !(byPath.get(k) instanceof RefDriver)).join(", ")
        })`,
      );
    }
    driver.target = target;
  }

  const tree = new DriverTree(root);
  const opened: Driver[] = [];
  try {
    for (const driver of tree.drivers()) {
      if (driver instanceof RefDriver) continue;
      await driver.open();
      opened.push(driver);
    }
  } catch (error) {
    await closeDrivers(opened);
    throw error;
  }
  return tree;
}

/** Every driver type the tree names, with where (for an unknown type's error). */
function typesUsed(
  nodes: Record<string, ExportNode>,
  path: string,
): { type: string; path: string }[] {
  return Object.entries(nodes).flatMap(([name, node]) =>
    node.kind === "ref" ? [] : [
      { type: node.type, path: `${path}.${name}` },
      ...typesUsed(node.children, `${path}.${name}.children`),
    ]
  );
}

/** Closes drivers children first; logs and continues past failures. */
export async function closeDrivers(drivers: Driver[]): Promise<void> {
  for (const driver of [...drivers].reverse()) {
    if (driver instanceof RefDriver) continue;
    try {
      await driver.close();
    } catch (error) {
      driver.log.error(`close failed: ${error instanceof Error ? error.message : error}`);
    }
  }
}

/** Sets a driver's `methods_description`; a method it does not export is refused, naming its methods. */
function applyMethodDescriptions(
  driver: Driver,
  descriptions: Record<string, string>,
  path: string,
): void {
  const methods = driver.methods();
  for (const method of Object.keys(descriptions)) {
    if (!methods.has(method)) {
      throw new ConfigError(
        `Invalid exporter config at ${path}.methods_description.${method}: the driver has no method "${method}" (it has: ${
          [...methods.keys()].join(", ") || "none"
        })`,
      );
    }
  }
  driver.methodDescriptions = { ...descriptions };
}
