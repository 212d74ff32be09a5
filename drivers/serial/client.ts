/**
 * The client of serial consoles (upstream label
 * `jumpstarter_driver_pyserial.client.PySerialClient`) and its CLI commands.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import { type DriverCommand, parseNumberOption, stringOption } from "../../src/client/commands.ts";
import { Console, type ConsoleOptions } from "./console.ts";
import { pipeConsole } from "./pipe.ts";
import { attachTerminal } from "./terminal.ts";
import { writeAll } from "../../src/driver/write_all.ts";

/**
 * Opens a serial console for automation (`expect`, `run`).
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await using serial = await dut.serial.open({ timeout: 30_000 });
 * await dut.power.on();
 * await serial.expect("login: ");
 * ```
 */
export class SerialClient extends DriverClient {
  /** Connects to the console; close the returned `Console` (or `await using` it) when done. */
  async open(options?: ConsoleOptions): Promise<Console> {
    return new Console(await this.stream("connect"), options);
  }

  /** `console` (interactive) and `pipe` (stdin and stdout). */
  override commands(): DriverCommand[] {
    return [
      {
        name: "console",
        description:
          "Interactive terminal on the console (raw keys; press Ctrl-B three times to exit)",
        examples: [""],
        run: () => this.#attach(),
      },
      {
        name: "pipe",
        description:
          "Copy stdin to the console and the console to stdout, until stdin ends or Ctrl-C",
        options: [
          {
            flags: "-o, --output <file>",
            description: "also write the console's output to this file",
          },
          {
            flags: "--linger <seconds>",
            description: "keep copying output after stdin ends",
            default: "1",
          },
          {
            flags: "--no-input",
            description: "do not read stdin; copy the console's output until Ctrl-C",
          },
        ],
        examples: ["", "-o boot.log --no-input", "<<< 'uname -a'"],
        run: async (input) => {
          const linger = parseNumberOption("--linger", stringOption(input, "linger") ?? "1");
          const stop = new AbortController();
          const interrupt = () => stop.abort();
          Deno.addSignalListener("SIGINT", interrupt);
          if (input.output.isTerminal) {
            input.output.err(`Piping the console of "${this.name}"; Ctrl-C stops`);
          }
          try {
            await pipeConsole(await this.stream("connect"), {
              input: input.options.input === false ? undefined : Deno.stdin.readable,
              output: Deno.stdout.writable,
              file: stringOption(input, "output"),
              linger: linger * 1000,
              signal: stop.signal,
            });
          } finally {
            Deno.removeSignalListener("SIGINT", interrupt);
          }
        },
      },
    ];
  }

  /** The interactive terminal: raw keys to the console until Ctrl-B three times or a signal. */
  async #attach(): Promise<void> {
    if (!Deno.stdin.isTerminal()) {
      throw new RangeError(
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
  }
}
