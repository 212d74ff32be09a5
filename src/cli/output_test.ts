import assert from "node:assert/strict";
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { outputOption, printList } from "./output.ts";
import { terminal } from "./run.ts";

type Row = { name: string; labels: Record<string, string>; online?: boolean; note?: string };

const rows: Row[] = [
  { name: "bench-1", labels: { board: "virtual", arch: "x86" }, online: true, note: "rack 2" },
  { name: "b2", labels: {}, online: undefined, note: "" },
];

/** What printList() writes to the terminal, each write one string. */
function printed(list: Row[], format: string): string[] {
  const writes: string[] = [];
  const out = terminal.out;
  terminal.out = (text) => writes.push(text);
  try {
    printList(list, format, ["name", "labels", "online"], (row) => row.name);
  } finally {
    terminal.out = out;
  }
  return writes;
}

Deno.test("printList() prints a table: upper-case headers, padded columns, labels as k=v", () => {
  assert.deepEqual(printed(rows, "table"), [
    [
      "NAME     LABELS                  ONLINE",
      "bench-1  board=virtual,arch=x86  true",
      "b2",
    ].join("\n"),
  ]);
});

Deno.test("printList() -o json and -o yaml print whole rows, columns or not", () => {
  const [json] = printed(rows, "json");
  assert.equal(JSON.parse(json)[0].note, "rack 2", "a field that is no column");
  assert.equal(json, JSON.stringify(rows, null, 2), "indented by two");
  const [yaml] = printed(rows, "yaml");
  assert.deepEqual(parseYaml(yaml), JSON.parse(JSON.stringify(rows)));
});

Deno.test("printList() -o name prints one name a line", () => {
  assert.deepEqual(printed(rows, "name"), ["bench-1\nb2"]);
});

Deno.test("printList() with no rows says so in a table, prints [] for json and yaml, nothing for names", () => {
  assert.deepEqual(printed([], "table"), ["No resources found."]);
  assert.deepEqual(printed([], "json"), ["[]"]);
  assert.deepEqual(printed([], "yaml"), ["[]"]);
  assert.deepEqual(printed([], "name"), []);
});

Deno.test("outputOption() takes table, json, yaml or name, table by default", () => {
  const parse = (...args: string[]) => {
    const command = new Command("list").addOption(outputOption()).exitOverride()
      .configureOutput({ writeErr: () => {} });
    return command.parse(args, { from: "user" }).opts().output;
  };
  assert.equal(parse(), "table");
  for (const format of ["table", "json", "yaml", "name"]) assert.equal(parse("-o", format), format);
  assert.equal(parse("--output", "yaml"), "yaml");
  assert.throws(() => parse("-o", "xml"), { code: "commander.invalidArgument" });
});
