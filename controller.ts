#!/usr/bin/env -S deno run -A --v8-flags=--heap-growing-percent=25,--max-semi-space-size=4
/**
 * `controller`: leases exporters to clients, authenticates them with JWTs and
 * routes their streams. `controller --help`.
 *
 * @module
 */
import { runMain } from "./src/cli/run.ts";
import { controllerMain } from "./src/cli/controller_cli.ts";

if (import.meta.main) await runMain(() => controllerMain(Deno.args));
