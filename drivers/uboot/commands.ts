/**
 * The CLI commands of U-Boot consoles, as data. Each opens the console, gets
 * the prompt (power-cycling first with `--cycle`), does its work and closes
 * the console: `run`, `env`, `setenv`, `dhcp`, `tftpboot`, `boot`.
 *
 * @module
 */
import { stringify } from "yaml";
import type { CommandInput, DriverCommand } from "../../src/client/commands.ts";
import {
  formatResult,
  listOption,
  parseNumberOption,
  stringArg,
  stringOption,
} from "../../src/client/command_values.ts";
import type { UbootSession } from "./session.ts";

/** What the commands drive: a `UbootClient`. */
export interface UbootCommandTarget {
  open(options: { cycle?: boolean; promptTimeout?: number }): Promise<UbootSession>;
}

const cycle = {
  flags: "--cycle",
  description: "power-cycle the board first (needs a power child)",
};
const promptTimeout = {
  flags: "--prompt-timeout <seconds>",
  description: "how long to wait for the U-Boot prompt",
  default: "60",
};

/** Opens a session as the common options say, runs `work`, closes it. */
async function withSession<T>(
  client: UbootCommandTarget,
  input: CommandInput,
  work: (session: UbootSession) => Promise<T>,
): Promise<T> {
  const seconds = parseNumberOption(
    "--prompt-timeout",
    stringOption(input, "promptTimeout") ?? "60",
  );
  await using session = await client.open({
    cycle: input.options.cycle === true,
    promptTimeout: seconds * 1000,
  });
  return await work(session);
}

function timeoutOption(fallback: string) {
  return {
    flags: "--timeout <seconds>",
    description: "how long the command may take",
    default: fallback,
  };
}

function seconds(input: CommandInput): number {
  return parseNumberOption("--timeout", stringOption(input, "timeout") ?? "60") * 1000;
}

/** The U-Boot commands. */
export function ubootCommands(client: UbootCommandTarget): DriverCommand[] {
  return [
    {
      name: "run",
      description: "Run a U-Boot command; print its output and exit with its status",
      arguments: [{ name: "<command>", description: "the command line, quoted" }],
      options: [cycle, promptTimeout, timeoutOption("60")],
      examples: ["'printenv'", "'version' --cycle", "'ping 192.168.77.1'"],
      run: (input) =>
        withSession(client, input, async (session) => {
          const result = await session.run(stringArg(input, "command")!, {
            timeout: seconds(input),
          });
          if (result.output !== "") input.output.out(result.output);
          return { exitStatus: result.status === 0 ? 0 : 1 };
        }),
    },
    {
      name: "env",
      description: "Print the U-Boot environment, or one variable's value",
      arguments: [{ name: "[name]", description: "one variable" }],
      options: [cycle, promptTimeout, {
        flags: "-o, --output <format>",
        description: "text, json or yaml",
        default: "text",
      }],
      examples: ["", "bootcmd", "-o json"],
      run: (input) =>
        withSession(client, input, async (session) => {
          const format = stringOption(input, "output") ?? "text";
          if (!["text", "json", "yaml"].includes(format)) {
            throw new RangeError(`Invalid --output "${format}": use text, json or yaml`);
          }
          const name = stringArg(input, "name");
          const env = name === undefined
            ? await session.env()
            : { [name]: await session.getEnv(name) ?? null };
          if (name !== undefined && env[name] === null && format === "text") {
            throw new RangeError(`U-Boot variable ${name} is not set`);
          }
          input.output.out(
            format === "json"
              ? JSON.stringify(env, null, 2)
              : format === "yaml"
              ? stringify(env).trimEnd()
              : name !== undefined
              ? String(env[name])
              : Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n"),
          );
        }),
    },
    {
      name: "setenv",
      description: "Set a U-Boot variable (no value: delete it); not saved unless you run saveenv",
      arguments: [{ name: "<name>", description: "variable" }, {
        name: "[value]",
        description: "value",
      }],
      options: [cycle, promptTimeout],
      examples: ["serverip 192.168.77.1", "bootdelay"],
      run: (input) =>
        withSession(
          client,
          input,
          (session) => session.setEnv(stringArg(input, "name")!, stringArg(input, "value")),
        ),
    },
    {
      name: "dhcp",
      description: "Get an address by DHCP (nothing loaded) and print the lease",
      options: [cycle, promptTimeout],
      examples: [""],
      run: (input) =>
        withSession(
          client,
          input,
          async (session) => input.output.out(formatResult(await session.dhcp())),
        ),
    },
    {
      name: "tftpboot",
      description: "Load a file from the TFTP server into memory",
      arguments: [{ name: "<address>", description: "load address (hex)" }, {
        name: "<file>",
        description: "file name on the TFTP server",
      }],
      options: [cycle, promptTimeout, {
        flags: "--serverip <ip>",
        description: "TFTP server to use (sets serverip)",
      }],
      examples: ["0x03000000 vmlinuz --serverip 192.168.77.1"],
      run: (input) =>
        withSession(client, input, async (session) => {
          const size = await session.tftpboot(
            stringArg(input, "address")!,
            stringArg(input, "file")!,
            {
              serverip: stringOption(input, "serverip"),
            },
          );
          input.output.out(`Loaded ${size} bytes at ${stringArg(input, "address")}`);
        }),
    },
    {
      name: "boot",
      description: "Run commands at the prompt, then boot and wait for the kernel's login prompt",
      arguments: [{
        name: "[command]",
        description: "boot command (default: boot, which runs bootcmd)",
      }],
      options: [
        cycle,
        promptTimeout,
        {
          flags: "--run <command>",
          description: "a U-Boot command to run first (repeatable)",
          repeatable: true,
        },
        {
          flags: "--login-prompt <regex>",
          description: "what the booted system prints",
          default: "login: ",
        },
        timeoutOption("120"),
      ],
      examples: [
        "--cycle",
        "'zboot 0x03000000 0 0x05000000 ${filesize}' --run 'tftpboot 0x03000000 vmlinuz'",
      ],
      run: (input) =>
        withSession(client, input, async (session) => {
          for (const cmd of listOption(input, "run")) {
            await session.check(cmd, { timeout: seconds(input) });
          }
          const started = performance.now();
          await session.boot(stringArg(input, "command") ?? "boot", {
            loginPrompt: new RegExp(stringOption(input, "loginPrompt") ?? "login: "),
            timeout: seconds(input),
          });
          input.output.out(
            `Booted to the login prompt in ${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
        }),
    },
  ];
}
