/**
 * Driver commands as data: each client class lists the commands it offers
 * (`jumpstarter power on`), and the CLI renders the list into its own
 * command tree. Clients never see the CLI library; bad option values are
 * `RangeError`s, which the CLI reports as usage errors.
 *
 * @example
 * ```ts
 * import type { DriverCommand } from "./commands.ts";
 *
 * const hello: DriverCommand = {
 *   name: "hello",
 *   description: "Print a greeting",
 *   options: [{ flags: "--name <who>", description: "who to greet", default: "world" }],
 *   examples: ["", "--name lab"],
 *   run: ({ options, output }) => output.out(`hello ${options.name}`),
 * };
 * ```
 *
 * @module
 */

/**
 * Where command output goes (the terminal, or a buffer in tests).
 *
 * @example
 * ```ts
 * import type { CliOutput } from "@jumpstarter/jumpstarter";
 *
 * const lines: string[] = [];
 * const captured: CliOutput = { out: (t) => lines.push(t), err: (t) => lines.push(t), isTerminal: false };
 * captured.out("5.00 V  0.50 A");
 * ```
 */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (progress bars, colour). */
  isTerminal: boolean;
}

/**
 * A positional argument, in the usual notation: `<image>`, `[path]`, `[args...]`.
 *
 * @example
 * ```ts
 * import type { CommandArgument } from "@jumpstarter/jumpstarter";
 *
 * const image: CommandArgument = { name: "<image>", description: "local image file" };
 * ```
 */
export interface CommandArgument {
  name: string;
  description: string;
}

/**
 * An option: `--count <n>`, `-o, --output <file>`, `--no-input`.
 *
 * @example
 * ```ts
 * import type { CommandOption } from "@jumpstarter/jumpstarter";
 *
 * const count: CommandOption = { flags: "--count <n>", description: "stop after n", default: "1" };
 * const env: CommandOption = { flags: "-e, --env <KEY=VALUE>", description: "a variable", repeatable: true };
 * ```
 */
export interface CommandOption {
  flags: string;
  description: string;
  /** The value when the option is not given. */
  default?: string;
  /** The option may be given several times; its value is then the list of values. */
  repeatable?: boolean;
}

/**
 * What a command's `run` receives.
 *
 * @example
 * ```ts
 * import type { CommandInput } from "@jumpstarter/jumpstarter";
 *
 * const input: CommandInput = {
 *   args: { image: "disk.img" },
 *   options: { target: "rootfs", verify: true },
 *   output: { out: console.log, err: console.error, isTerminal: false },
 * };
 * ```
 */
export interface CommandInput {
  /** Positional values by argument name (`image`, `args`); a variadic one is a list. */
  args: Record<string, string | string[] | undefined>;
  /** Option values by camel-cased long name (`output`, `linger`; `--no-input` is `input`). */
  options: Record<string, string | string[] | boolean | undefined>;
  output: CliOutput;
}

/**
 * What a command's `run` may return: nothing, or the exit status to end with.
 *
 * @example
 * ```ts
 * import type { CommandResult } from "@jumpstarter/jumpstarter";
 *
 * const passThrough = (code: number): CommandResult => ({ exitStatus: code });
 * passThrough(4);
 * ```
 */
export type CommandResult = void | { exitStatus: number };

/**
 * One command a driver client offers under its driver's name.
 *
 * @example
 * ```ts
 * import { DriverClient, type DriverCommand } from "@jumpstarter/jumpstarter";
 *
 * class RelayClient extends DriverClient {
 *   override commands(): DriverCommand[] {
 *     return [{
 *       name: "on",
 *       description: "Close the relay",
 *       examples: [""],
 *       run: async () => {
 *         await this.call("on");
 *       },
 *     }];
 *   }
 * }
 * ```
 */
export interface DriverCommand {
  name: string;
  /** Other names the command answers to (upstream's spellings, e.g. `start-console`). */
  aliases?: readonly string[];
  description: string;
  arguments?: readonly CommandArgument[];
  options?: readonly CommandOption[];
  /** Argument lines for the help's examples, each appended to the command line. */
  examples: readonly string[];
  /** Options the command does not know pass on to its arguments (commands running a program). */
  passThroughOptions?: boolean;
  /** Does the work; `{ exitStatus }` ends the CLI with that status (another program's). */
  run(input: CommandInput): Promise<CommandResult> | CommandResult;
}
