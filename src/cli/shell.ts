/**
 * `jumpstarter shell`: a local-mode session. Serves the exporter in-process
 * on a private socket, runs `$SHELL` (or the given command) with
 * `JUMPSTARTER_HOST` set, and cleans up when it exits.
 *
 * @module
 */
import type { Command } from "commander";
import { parseLogLevel } from "../log.ts";
import { defaultExporterConfig, startInProcess } from "./local_target.ts";
import { UsageError } from "./run.ts";

const example = `
Examples:
  $ jumpstarter shell --exporter-config examples/virtual-board.yaml
  $ jumpstarter shell --exporter-config examples/virtual-board.yaml -- jumpstarter power on
  $ jumpstarter shell -- deno test -A examples/boot_test.ts

Without --exporter-config the session serves ~/.config/jumpstarter/exporters/default.yaml,
else the built-in virtual board. The command's exit status is the shell's exit status.`;

const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs `argv` with `env` added; returns its exit status (128+signal if killed). */
export async function runWithEnv(argv: string[], env: Record<string, string>): Promise<number> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      env,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot run "${argv[0]}": command not found`);
    }
    throw error;
  }
  // The child gets terminal signals itself; pass on the ones sent to us only.
  const forward = signals.map((signal) => {
    const handler = () => {
      if (signal !== "SIGINT") child.kill(signal);
    };
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  });
  try {
    const status = await child.status;
    return status.signal
      ? 128 + (Deno.build.os === "linux" ? signalNumber(status.signal) : 1)
      : status.code;
  } finally {
    for (const remove of forward) remove();
  }
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 1;
}

/** Adds `shell` to the program; `setStatus` receives the command's exit status. */
export function addShellCommand(program: Command, setStatus: (code: number) => void): void {
  program
    .command("shell")
    .description("Start a local session on an exporter config and run a shell or a command in it")
    .argument("[command...]", "command to run instead of $SHELL (put it after --)")
    .option("--exporter-config <file>", "exporter config to serve (default: see below)")
    .addHelpText("after", example)
    .action(async (command: string[], options: { exporterConfig?: string }) => {
      const globals = program.opts<{ logLevel: string; exporterConfig?: string }>();
      const config = await defaultExporterConfig(options.exporterConfig ?? globals.exporterConfig);
      const target = await startInProcess(config, parseLogLevel(globals.logLevel));
      try {
        const argv = command.length > 0 ? command : [Deno.env.get("SHELL") ?? "/bin/sh"];
        setStatus(await runWithEnv(argv, { JUMPSTARTER_HOST: target.host }));
      } finally {
        await target.close();
      }
    });
}
