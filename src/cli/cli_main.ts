/**
 * The whole `jumpstarter` CLI: what `cli.ts` loads for every command but the
 * top-level help. `cli.ts` imports it by a computed specifier, so that Deno
 * does not load this module graph (commander, Node compatibility, the
 * client) at start-up for `--help`; `scripts/compile.ts` embeds it by name.
 *
 * @module
 */
import { runMain } from "./run.ts";
import { jumpstarterMain } from "./jumpstarter.ts";

/** Runs `jumpstarter` with `args` and exits with its status. */
export async function main(args: string[]): Promise<void> {
  await runMain(() => jumpstarterMain(args));
}
