import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration() reads plain seconds and sums of units", () => {
  const cases: [string, number][] = [
    ["90", 90_000],
    ["1.5", 1500],
    ["250ms", 250],
    ["90s", 90_000],
    ["10m", 600_000],
    ["1.5h", 5_400_000],
    ["1h30m", 5_400_000],
    ["2d", 172_800_000],
    ["1d2h3m4s5ms", 93_784_005],
    [" 45s\n", 45_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, JSON.stringify(text));
});

Deno.test("parseDuration() refuses what is not a duration with a TypeError naming it", () => {
  for (const text of ["", "soon", "10x", "1h 30m", "-5s", "m", "5s!", "1,5h"]) {
    assert.throws(
      () => parseDuration(text),
      (e) =>
        e instanceof TypeError &&
        e.message === `Invalid duration "${text}": use e.g. 90s, 10m, 1h30m or 2d`,
      JSON.stringify(text),
    );
  }
});

Deno.test("parseDuration() refuses a zero duration", () => {
  for (const text of ["0s", "0m0s", "0ms"]) {
    assert.throws(() => parseDuration(text), {
      name: "TypeError",
      message: `Invalid duration "${text}": it must be positive`,
    });
  }
});

Deno.test("formatDuration() writes whole units from days down, or ms below a second", () => {
  const cases: [number, string][] = [
    [0, "0ms"],
    [-3, "0ms"],
    [999, "999ms"],
    [1499, "1s"],
    [45_000, "45s"],
    [5_400_000, "1h30m"],
    [86_400_000, "1d"],
    [90_061_000, "1d1h1m1s"],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
});

Deno.test("formatDuration() output reads back with parseDuration()", () => {
  for (const ms of [250, 1000, 61_000, 3_600_000, 93_784_000]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
});
