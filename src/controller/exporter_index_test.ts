import assert from "node:assert/strict";
import { ExporterIndex } from "./exporter_index.ts";
import type { ExporterRecord } from "./model.ts";
import { parseSelector } from "./selector.ts";
import { matches } from "./selector_match.ts";

function record(namespace: string, name: string, labels: Record<string, string>): ExporterRecord {
  return { namespace, name, labels } as unknown as ExporterRecord;
}

const names = (it: Iterable<ExporterRecord>) => [...it].map((e) => e.name).sort();

Deno.test("narrow() finds by label, follows label changes and deletes, and stays in its namespace", () => {
  const index = new ExporterIndex();
  index.set("default/a", record("default", "a", { board: "rpi", site: "x" }));
  index.set("default/b", record("default", "b", { board: "rpi", site: "y" }));
  index.set("default/c", record("default", "c", { board: "qemu" }));
  index.set("other/d", record("other", "d", { board: "rpi" }));
  assert.deepEqual(names(index.narrow("default", parseSelector("board=rpi"))), ["a", "b"]);
  assert.deepEqual(names(index.narrow("default", parseSelector("site in (y)"))), ["b"]);
  assert.deepEqual(names(index.narrow("default", parseSelector("board=none"))), []);
  assert.deepEqual(names(index.narrow("default", parseSelector("board"))), ["a", "b", "c"]);
  assert.deepEqual(names(index.narrow("default", parseSelector(""), "c")), ["c"]);
  // A record replaced with new labels moves between posting lists.
  index.set("default/b", record("default", "b", { board: "qemu" }));
  assert.deepEqual(names(index.narrow("default", parseSelector("board=rpi"))), ["a"]);
  assert.deepEqual(names(index.narrow("default", parseSelector("board=qemu"))), ["b", "c"]);
  index.delete("default/c");
  assert.deepEqual(names(index.narrow("default", parseSelector("board=qemu"))), ["b"]);
  index.clear();
  assert.deepEqual(names(index.narrow("default", parseSelector("board=qemu"))), []);
});

Deno.test("narrow() is a superset of the matching records for random selectors and labels", () => {
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const index = new ExporterIndex();
  const all: ExporterRecord[] = [];
  for (let i = 0; i < 300; i++) {
    const labels: Record<string, string> = {};
    for (const key of ["a", "b", "c"]) if (rand(3)) labels[key] = String(rand(4));
    const r = record(rand(5) ? "default" : "other", `e${i}`, labels);
    all.push(r);
    index.set(`${r.namespace}/${r.name}`, r);
  }
  for (let i = 0; i < 500; i++) {
    const terms: string[] = [];
    for (const key of ["a", "b", "c"]) {
      const kind = rand(5);
      if (kind === 1) terms.push(`${key}=${rand(4)}`);
      if (kind === 2) terms.push(`${key} in (${rand(4)},${rand(4)})`);
      if (kind === 3) terms.push(`${key} notin (${rand(4)})`);
      if (kind === 4) terms.push(`!${key}`);
    }
    const selector = parseSelector(terms.join(","));
    const want = all.filter((e) => e.namespace === "default" && matches(selector, e.labels));
    const got = [...index.narrow("default", selector)].filter((e) => matches(selector, e.labels));
    assert.deepEqual(names(got), names(want), terms.join(","));
  }
});
