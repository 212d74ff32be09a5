#!/usr/bin/env -S deno run -A
/**
 * `exporter`: serves the drivers of an exporter config. `exporter --help`.
 *
 * @module
 */
import { runMain } from "./src/cli/run.ts";
import { exporterMain } from "./src/cli/exporter_cli.ts";

if (import.meta.main) await runMain(() => exporterMain(Deno.args));
