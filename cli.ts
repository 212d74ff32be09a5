#!/usr/bin/env -S deno run -A
/**
 * `jumpstarter`: the client CLI. `jumpstarter --help` lists the commands.
 *
 * @module
 */
import { runMain } from "./src/cli/run.ts";
import { jumpstarterMain } from "./src/cli/jumpstarter.ts";

if (import.meta.main) await runMain(() => jumpstarterMain(Deno.args));
