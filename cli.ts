#!/usr/bin/env -S deno run -A
/**
 * `jumpstarter`: the client CLI. `jumpstarter --help` lists the commands.
 *
 * @module
 */

if (import.meta.main) {
  const args = Deno.args;
  if (args.length === 0 || (args.length === 1 && (args[0] === "--help" || args[0] === "-h"))) {
    // The top-level help as generated from the CLI (scripts/gen_help.ts, checked by a test):
    // loading commander and Node compatibility for it costs more than a whole bare deno run.
    const { TOP_LEVEL_HELP } = await import("./src/cli/help_text.ts");
    await Deno.stdout.write(new TextEncoder().encode(TOP_LEVEL_HELP));
  } else {
    // A computed specifier: Deno loads a literal dynamic import's whole graph at start-up.
    const cli = new URL("./src/cli/cli_main.ts", import.meta.url).href;
    const { main } = await import(cli);
    await main(args);
  }
}
