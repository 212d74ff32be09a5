import assert from "node:assert/strict";
import { formatSelector } from "./format_selector.ts";
import { matches } from "./selector_match.ts";
import { parseLabels } from "./parse_labels.ts";
import { parseSelector } from "./selector.ts";

Deno.test("parseSelector() reads equality, set-based and existence terms", () => {
  const selector = parseSelector(
    "board=virtual, site!=b,arch in (arm64, x86),os notin (win),gpu,!broken",
  );
  assert.deepEqual(selector.matchLabels, { board: "virtual" });
  assert.deepEqual(selector.matchExpressions, [
    { key: "site", operator: "NotIn", values: ["b"] },
    { key: "arch", operator: "In", values: ["arm64", "x86"] },
    { key: "os", operator: "NotIn", values: ["win"] },
    { key: "gpu", operator: "Exists", values: [] },
    { key: "broken", operator: "DoesNotExist", values: [] },
  ]);
  assert.deepEqual(parseSelector(formatSelector(selector)), selector);
});

Deno.test("matches() applies every requirement", () => {
  const selector = parseSelector("board=virtual,arch in (arm64,x86),!broken");
  assert.equal(matches(selector, { board: "virtual", arch: "x86" }), true);
  assert.equal(matches(selector, { board: "virtual", arch: "riscv" }), false);
  assert.equal(matches(selector, { board: "virtual", arch: "x86", broken: "yes" }), false);
  assert.equal(matches(parseSelector(""), {}), true);
  // upstream: a lease made with board=sa,!nonexistent matches these filters
  const lease = { board: "sa" };
  assert.equal(matches(parseSelector("board=sa"), lease), true);
  assert.equal(matches(parseSelector("!nonexistent"), lease), true);
  assert.equal(matches(parseSelector("board=sa,!production"), lease), true);
  assert.equal(matches(parseSelector("board=sa,!board"), lease), false);
});

Deno.test("parseSelector() names the bad term", () => {
  assert.throws(
    () => parseSelector("a in (x"),
    (e) => e instanceof TypeError && /cannot parse "a in \(x"/.test(e.message),
  );
  assert.throws(
    () => parseSelector("a=b,,c=d"),
    (e) => e instanceof TypeError && /empty term/.test(e.message),
  );
  assert.throws(
    () => parseSelector("bad key=x"),
    (e) => e instanceof TypeError && /Invalid selector/.test(e.message),
  );
  assert.throws(
    () => parseLabels(["novalue"]),
    (e) => e instanceof TypeError && /use key=value/.test(e.message),
  );
});
