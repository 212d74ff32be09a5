#!/usr/bin/env -S deno run -A
/**
 * `controller`: leases exporters to clients and routes their streams.
 * This release parses its command line; serving arrives with the controller issue.
 *
 * @module
 */
import { Command } from "commander";
import { runMain, terminal, UsageError } from "./src/cli/run.ts";
import { VERSION } from "./src/version.ts";

async function controllerMain(argv: string[]): Promise<number> {
  const program = new Command("controller")
    .description("Lease exporters to clients, authenticate them with JWTs and route their streams")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (text) => terminal.err(text.trimEnd()) })
    .addHelpText(
      "after",
      "\nExample:\n  $ controller serve --data-dir /var/lib/jumpstarter --listen 0.0.0.0:8082\n",
    );
  program
    .command("serve")
    .description("Serve the controller and router (not available in this release)")
    .option("--data-dir <dir>", "where the embedded store lives")
    .option("--listen <host:port>", "address to listen on", "127.0.0.1:8082")
    .action(() => {
      throw new UsageError(
        "The controller is not available in this release; use local mode (jumpstarter shell)",
      );
    });
  await program.parseAsync(argv, { from: "user" });
  return 0;
}

if (import.meta.main) await runMain(() => controllerMain(Deno.args));
