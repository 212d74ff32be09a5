/**
 * The client of serial consoles (upstream label
 * `jumpstarter_driver_pyserial.client.PySerialClient`) and its CLI commands.
 *
 * @module
 */
import type { Command } from "commander";
import { type CliOutput, DriverClient } from "../../src/client/driver_client.ts";
import { addExamples, parseNumberOption, UsageError } from "../../src/client/cli_support.ts";
import { Console, type ConsoleOptions } from "./console.ts";
import { pipeConsole } from "./pipe.ts";
import { attachTerminal } from "./terminal.ts";
import { writeAll } from "../../src/driver/stream.ts";

/**
 * Opens a serial console for automation (`expect`, `run`).
 *
 * @example
 * ```ts ignore
 * await using console = await dut.serial.open();
 * await console.expect("login:");
 * ```
 */
export class SerialClient extends DriverClient {
  /** Connects to the console; close the returned `Console` (or `await using` it) when done. */
  async open(options?: ConsoleOptions): Promise<Console> {
    return new Console(await this.stream("connect"), options);
  }

  /** Adds `console` and `pipe`. */
  override cli(command: Command, output: CliOutput): void {
    addExamples(
      command
        .command("console")
        .description(
          "Interactive terminal on the console (raw keys; press Ctrl-B three times to exit)",
        )
        .action(async () => {
          if (!Deno.stdin.isTerminal()) {
            throw new UsageError(
              `serial console needs a terminal on stdin; use "${this.name} pipe" for pipes and files`,
            );
          }
          const duplex = await this.stream("connect");
          const encoder = new TextEncoder();
          const note = (text: string) => Deno.stderr.writeSync(encoder.encode(text));
          note(`Connected to "${this.name}". Press Ctrl-B three times to exit.\r\n`);
          const stop = new AbortController();
          const signals: Deno.Signal[] = ["SIGTERM", "SIGHUP", "SIGINT"];
          const onSignal = () => stop.abort();
          for (const signal of signals) Deno.addSignalListener(signal, onSignal);
          try {
            const reason = await attachTerminal(duplex, {
              input: Deno.stdin.readable,
              write: (bytes) => writeAll(Deno.stdout, bytes),
              setRaw: (raw) => Deno.stdin.setRaw(raw),
              signal: stop.signal,
            });
            const why = reason === "console-ended" ? " (the console closed)" : "";
            note(`\r\nDisconnected from "${this.name}"${why}.\n`);
          } finally {
            for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
          }
        }),
      "",
    );
    addExamples(
      command
        .command("pipe")
        .description(
          "Copy stdin to the console and the console to stdout, until stdin ends or Ctrl-C",
        )
        .option("-o, --output <file>", "also write the console's output to this file")
        .option("--linger <seconds>", "keep copying output after stdin ends", "1")
        .option("--no-input", "do not read stdin; copy the console's output until Ctrl-C")
        .action(async (options: { output?: string; linger: string; input: boolean }) => {
          const linger = parseNumberOption("--linger", options.linger);
          const stop = new AbortController();
          const interrupt = () => stop.abort();
          Deno.addSignalListener("SIGINT", interrupt);
          if (output.isTerminal) output.err(`Piping the console of "${this.name}"; Ctrl-C stops`);
          try {
            await pipeConsole(await this.stream("connect"), {
              input: options.input ? Deno.stdin.readable : undefined,
              output: Deno.stdout.writable,
              file: options.output,
              linger: linger * 1000,
              signal: stop.signal,
            });
          } finally {
            Deno.removeSignalListener("SIGINT", interrupt);
          }
        }),
      "",
      "-o boot.log --no-input",
      "<<< 'uname -a'",
    );
  }
}
