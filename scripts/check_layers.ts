/**
 * The import-direction check: arrows only point down.
 *
 * Every own module belongs to one room (a folder such as `src/client/` or
 * `drivers/power/`, or a single top-level file), and every room to one layer.
 * A module may import from its own room or from a lower layer; rooms of one
 * layer never import each other, and modules never import each other in a
 * circle. Tests, benches, scripts and examples sit outside the house and may
 * import anything. `docs/development.md` explains the layers.
 *
 * `deno run --allow-read scripts/check_layers.ts` prints one line per wrong
 * arrow or circle and exits 1, or prints a one-line summary.
 *
 * @module
 */
import { dirname, join, normalize, relative } from "node:path";

/** The layers from the top (entry points) down. A room is a path prefix. */
export const LAYERS: readonly (readonly string[])[] = [
  ["cli.ts", "exporter.ts", "controller.ts", "mod.ts", "testing.ts"],
  ["src/cli/", "testing/"],
  ["drivers/registry.ts"],
  ["drivers/virtual/", "drivers/qemu/", "drivers/dutlink/", "drivers/relay/", "drivers/uboot/"],
  [
    "drivers/power/",
    "drivers/serial/",
    "drivers/storage/",
    "drivers/network/",
    "drivers/shell/",
    "drivers/gpio/",
    "drivers/flasher/",
    "drivers/video/",
    "drivers/netboot/",
  ],
  ["src/exporter/", "src/client/", "src/controller/"],
  ["src/router/"],
  ["src/transport/", "src/config/", "src/compression.ts"],
  ["src/driver/"],
  ["src/gen/", "src/log.ts", "src/version.ts", "src/env_switch.ts"],
];

/** The one module under `src/` that may import `drivers/`: it wires the built-in registry. */
export const REGISTRY_WIRING = "src/cli/builtin_drivers.ts";

/** Folders outside the house: they may import anything. */
const OUTSIDE = ["tests/", "bench/", "scripts/", "examples/", "deploy/"];

/** One problem found. */
export interface Problem {
  file: string;
  message: string;
}

/** Where a module stands: its room and that room's layer (0 = top). */
export function placeOf(path: string): { room: string; layer: number } | undefined {
  for (const [layer, rooms] of LAYERS.entries()) {
    for (const room of rooms) {
      if (room.endsWith("/") ? path.startsWith(room) : path === room) return { room, layer };
    }
  }
  return undefined;
}

function isTest(path: string): boolean {
  return path.endsWith("_test.ts") || path.includes("/_fixtures/") ||
    OUTSIDE.some((o) => path.startsWith(o));
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

/** The relative imports of one module's source, resolved against its path. */
export function importsOf(path: string, source: string): string[] {
  const found: string[] = [];
  for (const line of source.split("\n")) {
    const trimmed = line.trimStart();
    if (trimmed.startsWith("//") || trimmed.startsWith("*")) continue;
    for (const m of line.matchAll(IMPORT)) {
      found.push(normalize(join(dirname(path), m[1])).replaceAll("\\", "/"));
    }
  }
  return found;
}

/** Checks a set of modules (path relative to the root → source). */
export function checkModules(modules: Map<string, string>): Problem[] {
  const problems: Problem[] = [];
  const graph = new Map<string, string[]>();
  for (const [file, source] of modules) {
    if (isTest(file)) continue;
    const from = placeOf(file);
    if (!from) {
      problems.push({
        file,
        message: "is in no layer: add its room to LAYERS in scripts/check_layers.ts",
      });
      continue;
    }
    const targets = importsOf(file, source).filter((t) => !t.startsWith(".."));
    graph.set(file, targets.filter((t) => modules.has(t) && !isTest(t)));
    for (const target of targets) {
      if (isTest(target)) {
        problems.push({ file, message: `imports test code ${target}` });
        continue;
      }
      if (file.startsWith("src/") && target.startsWith("drivers/") && file !== REGISTRY_WIRING) {
        problems.push({
          file,
          message: `imports ${target}: under src/ only ${REGISTRY_WIRING} may import drivers/`,
        });
        continue;
      }
      const to = placeOf(target);
      if (!to || to.room === from.room) continue;
      if (to.layer < from.layer) {
        problems.push({
          file,
          message: `imports ${target}: layer ${from.layer + 1} (${from.room}) must not import ` +
            `layer ${to.layer + 1} (${to.room}) above it`,
        });
      } else if (to.layer === from.layer) {
        problems.push({
          file,
          message: `imports ${target}: rooms of one layer (${from.room}, ${to.room}) must not ` +
            "import each other",
        });
      }
    }
  }
  for (const circle of circlesOf(graph)) {
    problems.push({
      file: circle[0],
      message: `import circle: ${[...circle, circle[0]].join(" -> ")}`,
    });
  }
  return problems;
}

/** The strongly connected groups of more than one module (Tarjan), each as a path. */
export function circlesOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) circles.push(group.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return circles;
}

async function readTree(root: string): Promise<Map<string, string>> {
  const modules = new Map<string, string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (!entry.name.startsWith(".") && entry.name !== "node_modules") await walk(path);
      } else if (entry.isFile && /\.tsx?$/.test(entry.name)) {
        modules.set(relative(root, path).replaceAll("\\", "/"), await Deno.readTextFile(path));
      }
    }
  };
  await walk(root);
  return modules;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const modules = await readTree(root);
  const problems = checkModules(modules);
  for (const p of problems) console.error(`${p.file}: ${p.message}`);
  if (problems.length > 0) {
    console.error(
      `${problems.length} wrong arrow(s): see the layers in docs/development.md`,
    );
    Deno.exit(1);
  }
  const own = [...modules.keys()].filter((f) => !isTest(f)).length;
  console.log(`layers: ${own} modules, every arrow points down, no circles`);
}
