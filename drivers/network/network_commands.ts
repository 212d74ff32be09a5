/**
 * The CLI commands of a network client: `forward-tcp`, `forward-udp`,
 * `forward-unix`, `address` and `ssh`.
 *
 * @module
 */
import type { CliOutput, DriverCommand } from "../../src/client/commands.ts";
import {
  listArg,
  parseNumberOption,
  stringArg,
  stringOption,
} from "../../src/client/command_values.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import type { Forwarder, ForwardOptions, ListenOptions } from "./forwarder.ts";
import type { UdpForwardOptions } from "./forward_udp.ts";
import { serveUntilInterrupted } from "./serve_until_interrupted.ts";
import type { SshOptions } from "./ssh.ts";

/** What the commands use of a network client (`NetworkClient`). */
export interface NetworkCommandTarget {
  /** The driver's name under its parent. */
  readonly name: string;
  forwardTcp(localPort: number, options?: ListenOptions): Promise<Forwarder>;
  forwardUdp(localPort: number, options?: ListenOptions & UdpForwardOptions): Promise<Forwarder>;
  forwardUnix(path: string, options?: ForwardOptions): Promise<Forwarder>;
  address(): Promise<string>;
  ssh(args?: string[], options?: SshOptions): Promise<number>;
}

/** `forward-tcp`, `forward-udp`, `forward-unix`, `address` and `ssh` of `client`. */
export function networkCommands(client: NetworkCommandTarget): DriverCommand[] {
  const onError = (output: CliOutput) => (error: unknown) =>
    output.err(`Forwarded connection failed: ${messageOf(error)}`);
  const portArg = { name: "<port>", description: "local port to listen on (0: any free port)" };
  const addressOption = {
    flags: "--address <host>",
    description: "local address to listen on",
    default: "127.0.0.1",
  };
  return [
    {
      name: "forward-tcp",
      description: "Forward a local TCP port to the target until Ctrl-C; prints the address",
      arguments: [portArg],
      options: [addressOption],
      examples: ["2222", "0 --address 0.0.0.0"],
      run: async (input) => {
        const [port, host] = [stringArg(input, "port")!, stringOption(input, "address")!];
        const forwarder = await client.forwardTcp(parsePort(port), {
          host,
          onError: onError(input.output),
        }).catch((error) => {
          throw listenError("TCP", host, port, error);
        });
        await serveUntilInterrupted(forwarder, input.output);
      },
    },
    {
      name: "forward-udp",
      description: "Forward a local UDP port to the target until Ctrl-C; prints the address",
      arguments: [portArg],
      options: [addressOption, {
        flags: "--idle <seconds>",
        description: "end a peer's stream after this much silence",
        default: "60",
      }],
      examples: ["5353"],
      run: async (input) => {
        const [port, host] = [stringArg(input, "port")!, stringOption(input, "address")!];
        const idle = parseNumberOption("--idle", stringOption(input, "idle")!, { min: 0.001 });
        const forwarder = await client.forwardUdp(parsePort(port), {
          host,
          idleTimeout: idle * 1000,
          onError: onError(input.output),
        }).catch((error) => {
          throw listenError("UDP", host, port, error);
        });
        await serveUntilInterrupted(forwarder, input.output);
      },
    },
    {
      name: "forward-unix",
      description: "Forward a local unix socket to the target until Ctrl-C; prints its path",
      arguments: [{
        name: "[path]",
        description: "socket path to create (default: a new one in a private directory)",
      }],
      examples: ["", "/tmp/board-console.sock"],
      run: async (input) => {
        const path = stringArg(input, "path");
        const dir = path === undefined
          ? await Deno.makeTempDir({ prefix: "jumpstarter-forward-" })
          : undefined;
        const socket = path ?? `${dir}/${client.name || "network"}.sock`;
        try {
          const forwarder = await client.forwardUnix(socket, { onError: onError(input.output) })
            .catch((error) => {
              throw new RangeError(
                `Cannot listen on unix socket "${socket}": ${messageOf(error)}`,
              );
            });
          await serveUntilInterrupted(forwarder, input.output);
        } finally {
          if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
        }
      },
    },
    {
      name: "address",
      description: "Print the address the exporter connects to",
      examples: [""],
      run: async ({ output }) => output.out(await client.address()),
    },
    {
      name: "ssh",
      description: "Run ssh through a forwarded local port; exits with ssh's status",
      arguments: [{
        name: "[args...]",
        description: "arguments after the destination (a remote command); put -- first",
      }],
      options: [{ flags: "-u, --user <name>", description: "remote user name" }],
      examples: ["", "--user root -- uname -a"],
      run: async (input) => {
        const status = await client.ssh(listArg(input, "args"), {
          user: stringOption(input, "user"),
          output: input.output,
        });
        // Driver commands end with 0 or 1; `jumpstarter ssh` returns ssh's exact status.
        if (status !== 0) throw new Error(`ssh exited with status ${status}`);
      },
    },
  ];
}

function parsePort(text: string): number {
  const port = parseNumberOption("port", text, { integer: true });
  if (port > 65535) throw new RangeError(`Invalid port "${text}": use a number from 0 to 65535`);
  return port;
}

function listenError(kind: string, host: string, port: string, error: unknown): Error {
  return new RangeError(`Cannot listen on ${kind} ${host}:${port}: ${messageOf(error)}`);
}
