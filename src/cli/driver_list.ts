/**
 * `jumpstarter driver list`: the driver types this build carries (upstream
 * lists its installed driver packages), with the upstream class paths each
 * answers to and the client class its exporters report.
 *
 * @module
 */
import type { Command } from "commander";
import { outputOption } from "./output_option.ts";

/** Adds `driver list` to the program. */
export function addDriverListCommand(program: Command): void {
  program
    .command("driver")
    .description("The drivers built into this jumpstarter")
    .command("list")
    .description("List driver types, their upstream class paths and client classes")
    .addOption(outputOption())
    .addHelpText(
      "after",
      "\nExamples:\n  $ jumpstarter driver list\n  $ jumpstarter driver list -o name\n",
    )
    .action(async (options: { output: string }) => {
      const [{ registry }, { printList }] = await Promise.all([
        import("./builtin_drivers.ts"),
        import("./output.ts"),
      ]);
      await registry.load();
      const rows = registry.entries().map((entry) => ({
        type: entry.type,
        upstream: (entry.aliases ?? []).join(", "),
        client: (registry.driver(entry.type, "") as unknown as { client: string }).client,
      }));
      printList(rows, options.output, ["type", "upstream", "client"], (r) => r.type);
    });
}
