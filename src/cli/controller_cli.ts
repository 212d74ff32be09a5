/**
 * The `controller` command: `serve` (`controller_serve_command.ts`) and
 * `admin` (identities, policies: `controller_admin_commands.ts`).
 *
 * @module
 */
import { Command } from "commander";
import { ConfigError } from "../driver/config_check.ts";
import { VERSION } from "../version.ts";
import { addAdminCommands } from "./controller_admin_commands.ts";
import { addServeCommand } from "./controller_serve_command.ts";
import { terminal } from "./run.ts";

/** Runs the `controller` CLI. */
export async function controllerMain(argv: string[]): Promise<number> {
  const program = new Command("controller")
    .description("Lease exporters to clients, authenticate them with JWTs and route their streams")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (text) => terminal.err(text.trimEnd()) });
  addServeCommand(program);
  addAdminCommands(program);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof TypeError) throw new ConfigError(error.message);
    throw error;
  }
  return 0;
}
