import assert from "node:assert/strict";
import type { CommandInput } from "./commands.ts";
import {
  listArg,
  listOption,
  parseNumberOption,
  stringArg,
  stringOption,
} from "./command_values.ts";

const quiet = { out: () => {}, err: () => {}, isTerminal: false };

function input(
  args: CommandInput["args"],
  options: CommandInput["options"],
): CommandInput {
  return { args, options, output: quiet };
}

Deno.test("parseNumberOption() returns numbers at or above the minimum", () => {
  assert.equal(parseNumberOption("--count", "3", { min: 1, integer: true }), 3);
  assert.equal(parseNumberOption("--count", "1", { min: 1, integer: true }), 1);
  assert.equal(parseNumberOption("--delay", "0.25"), 0.25);
  assert.equal(parseNumberOption("--delay", "0"), 0);
  assert.equal(parseNumberOption("--baud", " 1e3 ", { integer: true }), 1000);
});

Deno.test("parseNumberOption() refuses other text with a RangeError naming option and value", () => {
  const cases: [string, { min?: number; integer?: boolean }, string][] = [
    ["", {}, 'Invalid --count "": use a number >= 0'],
    ["  ", {}, 'Invalid --count "  ": use a number >= 0'],
    ["three", {}, 'Invalid --count "three": use a number >= 0'],
    ["Infinity", {}, 'Invalid --count "Infinity": use a number >= 0'],
    ["-1", {}, 'Invalid --count "-1": use a number >= 0'],
    ["0", { min: 1 }, 'Invalid --count "0": use a number >= 1'],
    ["2.5", { integer: true }, 'Invalid --count "2.5": use a whole number >= 0'],
  ];
  for (const [text, limits, message] of cases) {
    assert.throws(() => parseNumberOption("--count", text, limits), {
      name: "RangeError",
      message,
    });
  }
});

Deno.test("stringOption() and listOption() read an option as one value or as a list", () => {
  const given = input({}, { name: "bench", tag: ["a", "b"], label: "x", input: false });
  assert.equal(stringOption(given, "name"), "bench");
  assert.equal(stringOption(given, "tag"), undefined, "a list is not one string");
  assert.equal(stringOption(given, "input"), undefined, "a flag is not a string");
  assert.equal(stringOption(given, "missing"), undefined);
  assert.deepEqual(listOption(given, "tag"), ["a", "b"]);
  assert.deepEqual(listOption(given, "label"), ["x"], "given once");
  assert.deepEqual(listOption(given, "input"), []);
  assert.deepEqual(listOption(given, "missing"), []);
});

Deno.test("stringArg() and listArg() read a positional argument as one word or as a list", () => {
  const given = input({ image: "disk.img", args: ["-c", "uname -a"], path: undefined }, {});
  assert.equal(stringArg(given, "image"), "disk.img");
  assert.equal(stringArg(given, "args"), undefined, "a list is not one word");
  assert.equal(stringArg(given, "path"), undefined);
  assert.deepEqual(listArg(given, "args"), ["-c", "uname -a"]);
  assert.deepEqual(listArg(given, "image"), ["disk.img"]);
  assert.deepEqual(listArg(given, "path"), []);
  assert.deepEqual(listArg(given, "missing"), []);
});
