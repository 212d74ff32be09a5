/**
 * The CLI commands of file server clients, as data: `put LOCAL [REMOTE]`
 * with progress, `list` with `-o table|json|yaml|name`, `remove NAME`,
 * `address`.
 *
 * @module
 */
import { stringify } from "yaml";
import type { DriverCommand } from "../../src/client/commands.ts";
import { stringArg, stringOption } from "../../src/client/command_values.ts";
import type { ProgressCallback } from "../../src/client/resource_transfer.ts";
import { ProgressBar } from "../../src/client/progress.ts";
import type { PutResult, RootEntry } from "./file_root.ts";

/** What the commands drive: a `FileServerClient`. */
export interface FileServerCommandTarget {
  put(path: string, name?: string, options?: { onProgress?: ProgressCallback }): Promise<PutResult>;
  list(): Promise<RootEntry[]>;
  remove(name: string): Promise<void>;
  address(): Promise<string>;
}

/** The rows of `list` in one of `table`, `json`, `yaml` or `name`. */
export function formatEntries(entries: RootEntry[], format: string): string {
  switch (format) {
    case "json":
      return JSON.stringify(entries, null, 2);
    case "yaml":
      return stringify(entries).trimEnd();
    case "name":
      return entries.map((e) => e.name).join("\n");
    case "table": {
      const width = Math.max(4, ...entries.map((e) => e.name.length));
      const sizes = Math.max(4, ...entries.map((e) => String(e.size).length));
      const rows = entries.map((e) =>
        `${e.name.padEnd(width)}  ${String(e.size).padStart(sizes)}  ${e.modified}`
      );
      return [`${"NAME".padEnd(width)}  ${"SIZE".padStart(sizes)}  MODIFIED`, ...rows].join("\n");
    }
    default:
      throw new RangeError(`Invalid --output "${format}": use table, json, yaml or name`);
  }
}

/** `put`, `list`, `remove` and `address`. */
export function fileServerCommands(client: FileServerCommandTarget): DriverCommand[] {
  return [
    {
      name: "put",
      description: "Upload a local file into the served directory (progress on a terminal)",
      arguments: [
        { name: "<local>", description: "local file" },
        {
          name: "[remote]",
          description: "name in the served directory (default: the file's name)",
        },
      ],
      examples: ["vmlinuz", "build/Image boot/Image"],
      run: async (input) => {
        const local = stringArg(input, "local")!;
        const bar = new ProgressBar("uploading", input.output.isTerminal);
        const started = performance.now();
        const result = await client.put(local, stringArg(input, "remote"), {
          onProgress: (sent, total) => bar.update(sent, total),
        }).finally(() => bar.done());
        const seconds = (performance.now() - started) / 1000;
        input.output.out(
          `Stored ${result.name}: ${result.size} bytes in ${
            seconds.toFixed(1)
          } s, sha256 ${result.sha256}`,
        );
      },
    },
    {
      name: "list",
      description: "List the files in the served directory",
      options: [{
        flags: "-o, --output <format>",
        description: "table, json, yaml or name",
        default: "table",
      }],
      examples: ["", "-o json", "-o name"],
      run: async (input) => {
        const format = stringOption(input, "output") ?? "table";
        const text = formatEntries([], format); // checks the format before the call
        const entries = await client.list();
        input.output.out(
          entries.length === 0 && format === "table" ? text : formatEntries(entries, format),
        );
      },
    },
    {
      name: "remove",
      description: "Remove a file from the served directory",
      arguments: [{ name: "<remote>", description: "name in the served directory" }],
      examples: ["vmlinuz"],
      run: async (input) => {
        await client.remove(stringArg(input, "remote")!);
      },
    },
    {
      name: "address",
      description: "Print the URL the server listens on",
      examples: [""],
      run: async ({ output }) => output.out(await client.address()),
    },
  ];
}
