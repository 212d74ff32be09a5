/**
 * The CLI commands of serial clients, as data: `console` (an interactive
 * terminal on the console) and `pipe` (stdin to the console, the console to
 * stdout).
 *
 * @module
 */
import type { DriverCommand } from "../../src/client/commands.ts";
import { parseNumberOption, stringOption } from "../../src/client/command_values.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { writeAll } from "../../src/driver/write_all.ts";
import { pipeConsole } from "./pipe.ts";
import { attachTerminal } from "./terminal.ts";

/** What the commands drive: a `SerialClient`. */
export interface SerialCommandTarget {
  readonly name: string;
  stream(method?: string): Promise<Duplex>;
}

/** `console` (interactive) and `pipe` (stdin and stdout) on `client`'s console. */
export function serialCommands(client: SerialCommandTarget): DriverCommand[] {
  return [
    {
      name: "console",
      aliases: ["start-console"],
      description:
        "Interactive terminal on the console (raw keys; press Ctrl-B three times to exit)",
      examples: [""],
      run: () => attach(client),
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
          input.output.err(`Piping the console of "${client.name}"; Ctrl-C stops`);
        }
        try {
          await pipeConsole(await client.stream("connect"), {
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
async function attach(client: SerialCommandTarget): Promise<void> {
  if (!Deno.stdin.isTerminal()) {
    throw new RangeError(
      `serial console needs a terminal on stdin; use "${client.name} pipe" for pipes and files`,
    );
  }
  const duplex = await client.stream("connect");
  const encoder = new TextEncoder();
  const note = (text: string) => Deno.stderr.writeSync(encoder.encode(text));
  note(`Connected to "${client.name}". Press Ctrl-B three times to exit.\r\n`);
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
    note(`\r\nDisconnected from "${client.name}"${why}.\n`);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
}
