/**
 * List output in the forms every list command offers: a table (default),
 * `-o json`, `-o yaml`, `-o name`.
 *
 * @module
 */
import { stringify } from "yaml";
import { terminal } from "./run.ts";

export { outputOption } from "./output_option.ts";

/** Prints rows: `columns` for the table, `name` for `-o name`, the whole row for json/yaml. */
export function printList<T extends Record<string, unknown>>(
  rows: T[],
  format: string,
  columns: (keyof T & string)[],
  name: (row: T) => string,
): void {
  if (format === "json") return terminal.out(JSON.stringify(rows, null, 2));
  if (format === "yaml") return terminal.out(rows.length ? stringify(rows) : "[]");
  if (format === "name") {
    if (rows.length) terminal.out(rows.map(name).join("\n"));
    return;
  }
  if (rows.length === 0) return terminal.out("No resources found.");
  const cell = (v: unknown) =>
    v === undefined || v === null
      ? ""
      : typeof v === "object"
      ? Object.entries(v).map(([k, x]) => `${k}=${x}`).join(",")
      : String(v);
  const header = columns.map((c) => c.toUpperCase());
  const table = [header, ...rows.map((r) => columns.map((c) => cell(r[c])))];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  terminal.out(
    table.map((row) => row.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd()).join("\n"),
  );
}
