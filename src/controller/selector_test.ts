import { assertEquals, assertThrows } from "../../tests/_fixtures/assert.ts";
import { formatSelector } from "./format_selector.ts";
import { matches } from "./selector_match.ts";
import { parseLabels } from "./parse_labels.ts";
import { parseSelector } from "./selector.ts";

Deno.test("parseSelector() reads equality, set-based and existence terms", () => {
  const selector = parseSelector(
    "board=virtual, site!=b,arch in (arm64, x86),os notin (win),gpu,!broken",
  );
  assertEquals(selector.matchLabels, { board: "virtual" });
  assertEquals(selector.matchExpressions, [
    { key: "site", operator: "NotIn", values: ["b"] },
    { key: "arch", operator: "In", values: ["arm64", "x86"] },
    { key: "os", operator: "NotIn", values: ["win"] },
    { key: "gpu", operator: "Exists", values: [] },
    { key: "broken", operator: "DoesNotExist", values: [] },
  ]);
  assertEquals(parseSelector(formatSelector(selector)), selector);
});

Deno.test("matches() applies every requirement", () => {
  const selector = parseSelector("board=virtual,arch in (arm64,x86),!broken");
  assertEquals(matches(selector, { board: "virtual", arch: "x86" }), true);
  assertEquals(matches(selector, { board: "virtual", arch: "riscv" }), false);
  assertEquals(matches(selector, { board: "virtual", arch: "x86", broken: "yes" }), false);
  assertEquals(matches(parseSelector(""), {}), true);
  // upstream: a lease made with board=sa,!nonexistent matches these filters
  const lease = { board: "sa" };
  assertEquals(matches(parseSelector("board=sa"), lease), true);
  assertEquals(matches(parseSelector("!nonexistent"), lease), true);
  assertEquals(matches(parseSelector("board=sa,!production"), lease), true);
  assertEquals(matches(parseSelector("board=sa,!board"), lease), false);
});

Deno.test("parseSelector() names the bad term", () => {
  assertThrows(() => parseSelector("a in (x"), TypeError, 'cannot parse "a in (x"');
  assertThrows(() => parseSelector("a=b,,c=d"), TypeError, "empty term");
  assertThrows(() => parseSelector("bad key=x"), TypeError, "Invalid selector");
  assertThrows(() => parseLabels(["novalue"]), TypeError, "use key=value");
});
