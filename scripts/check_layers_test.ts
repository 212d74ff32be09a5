import assert from "node:assert/strict";
import { checkModules, circlesOf, importsOf, placeOf } from "./check_layers.ts";

const tree = (files: Record<string, string>) => new Map(Object.entries(files));

Deno.test("placeOf() puts a file in its room and layer", () => {
  assert.deepEqual(placeOf("src/client/lease.ts"), { room: "src/client/", layer: 5 });
  assert.equal(placeOf("cli.ts")?.layer, 0);
  assert.equal(placeOf("nowhere/x.ts"), undefined);
});

Deno.test("importsOf() resolves static, type and dynamic imports, not comments", () => {
  const source = [
    'import { a } from "./a.ts";',
    'import type { B } from "../driver/b.ts";',
    'export { c } from "./c.ts";',
    'const d = await import("./d.ts");',
    '// import { e } from "./e.ts";',
    'import "npm:yaml";',
  ].join("\n");
  assert.deepEqual(importsOf("src/client/x.ts", source), [
    "src/client/a.ts",
    "src/driver/b.ts",
    "src/client/c.ts",
    "src/client/d.ts",
  ]);
});

Deno.test("checkModules() accepts arrows that point down", () => {
  const problems = checkModules(tree({
    "src/client/a.ts": 'import { b } from "../driver/b.ts";',
    "src/driver/b.ts": 'import { log } from "../log.ts";',
    "src/log.ts": "",
    "drivers/power/client.ts": 'import { a } from "../../src/client/a.ts";',
  }));
  assert.deepEqual(problems, []);
});

Deno.test("checkModules() refuses an arrow up, across one layer, or into drivers/ from src/", () => {
  const problems = checkModules(tree({
    "src/driver/b.ts": 'import { a } from "../client/a.ts";',
    "src/client/a.ts": 'import { c } from "../exporter/c.ts";',
    "src/exporter/c.ts": 'import { r } from "../../drivers/registry.ts";',
    "drivers/registry.ts": "",
    "src/cli/builtin_drivers.ts": 'export { r } from "../../drivers/registry.ts";',
  }));
  assert.deepEqual(problems.map((p) => p.file), [
    "src/driver/b.ts",
    "src/client/a.ts",
    "src/exporter/c.ts",
  ]);
  assert.match(problems[0].message, /must not import layer 6 \(src\/client\/\) above it/);
  assert.match(problems[1].message, /rooms of one layer/);
  assert.match(problems[2].message, /only src\/cli\/builtin_drivers\.ts may import drivers\//);
});

Deno.test("checkModules() names an import circle and a file in no layer; tests are exempt", () => {
  const problems = checkModules(tree({
    "drivers/network/client.ts": 'import { s } from "./ssh.ts";',
    "drivers/network/ssh.ts": 'import { c } from "./client.ts";',
    "drivers/network/client_test.ts": 'import { x } from "../../src/cli/run.ts";',
    "lost/thing.ts": "",
  }));
  assert.equal(problems.length, 2);
  assert.match(problems[0].message, /is in no layer/);
  assert.match(
    problems[1].message,
    /import circle: drivers\/network\/client\.ts -> drivers\/network\/ssh\.ts -> drivers\/network\/client\.ts/,
  );
});

Deno.test("circlesOf() finds only groups of more than one module", () => {
  const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["d", "a"]]]);
  assert.deepEqual(circlesOf(graph), [["a", "b", "c"]]);
});
