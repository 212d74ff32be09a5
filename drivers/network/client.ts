/**
 * The client of network drivers (upstream label
 * `jumpstarter_driver_network.client.NetworkClient`): byte streams to the
 * target, local port forwarding, an SSH shortcut, and their CLI commands.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import {
  type CliOutput,
  type DriverCommand,
  listArg,
  parseNumberOption,
  stringArg,
  stringOption,
} from "../../src/client/commands.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { TRANSPORT_LABEL } from "./network_labels.ts";
import type { Forwarder, ForwardOptions } from "./forwarder.ts";
import { forwardTcp, forwardUnix } from "./stream_forwarder.ts";
import { forwardUdp, type UdpForwardOptions } from "./forward_udp.ts";
import { runSsh, type SshOptions } from "./ssh.ts";

/** Where a forwarder listens. */
export interface ListenOptions extends ForwardOptions {
  /** Local address to bind (default 127.0.0.1). */
  host?: string;
}

/**
 * Reaches an address the exporter can reach: `connect()` for one byte
 * stream, `forwardTcp()` to serve a local port whose every connection is
 * its own stream.
 *
 * @example
 * ```ts
 * import { connect, NetworkClient, parseExporterConfig, serveLocal } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const config = parseExporterConfig(
 *   "export: { ssh: { type: network.TcpNetwork, config: { host: 192.0.2.10, port: 22 } } }",
 *   Deno.cwd(),
 * );
 * await using exporter = await serveLocal(config);
 * await using dut = await connect(exporter.socketPath);
 * const ssh = dut.child("ssh", NetworkClient);
 * assert.equal(await ssh.address(), "tcp://192.0.2.10:22");
 * await using forward = await ssh.forwardTcp(0); // any free local port
 * console.log(`ssh -p ${forward.port} root@127.0.0.1`);
 * ```
 */
export class NetworkClient extends DriverClient {
  /** Opens a new connection to the target (for UDP: each chunk is one datagram). */
  connect(): Promise<Duplex> {
    return this.stream("connect");
  }

  /** The target's address as the driver reports it (`tcp://10.0.0.5:22`). */
  address(): Promise<string> {
    return this.call<string>("address");
  }

  /** The driver's transport: from its label (our exporter) or its address (upstream). */
  async transport(): Promise<string> {
    const label = this.labels[TRANSPORT_LABEL];
    if (label) return label;
    return (await this.address()).split("://")[0];
  }

  /** Forwards a local TCP port (0: any free one) to the target, one stream per connection. */
  forwardTcp(localPort: number, options: ListenOptions = {}): Promise<Forwarder> {
    return Promise.resolve(
      forwardTcp(() => this.connect(), localPort, options.host ?? "127.0.0.1", options),
    );
  }

  /** Forwards a local UDP port to the target, one stream per sending peer. */
  forwardUdp(
    localPort: number,
    options: ListenOptions & UdpForwardOptions = {},
  ): Promise<Forwarder> {
    return forwardUdp(() => this.connect(), localPort, options.host ?? "127.0.0.1", options);
  }

  /** Forwards a local unix socket at `path` to the target, one stream per connection. */
  forwardUnix(path: string, options: ForwardOptions = {}): Promise<Forwarder> {
    return Promise.resolve(forwardUnix(() => this.connect(), path, options));
  }

  /**
   * Runs the `ssh` program through a forwarded free local port and returns
   * its exit status; `args` go after the destination (a remote command).
   */
  ssh(args: string[] = [], options: SshOptions = {}): Promise<number> {
    return runSsh(this, args, options);
  }

  /** `forward-tcp`, `forward-udp`, `forward-unix`, `address` and `ssh`. */
  override commands(): DriverCommand[] {
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
          const forwarder = await this.forwardTcp(parsePort(port), {
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
          const forwarder = await this.forwardUdp(parsePort(port), {
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
          const socket = path ?? `${dir}/${this.name || "network"}.sock`;
          try {
            const forwarder = await this.forwardUnix(socket, { onError: onError(input.output) })
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
        run: async ({ output }) => output.out(await this.address()),
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
          const status = await this.ssh(listArg(input, "args"), {
            user: stringOption(input, "user"),
            output: input.output,
          });
          // Driver commands end with 0 or 1; `jumpstarter ssh` returns ssh's exact status.
          if (status !== 0) throw new Error(`ssh exited with status ${status}`);
        },
      },
    ];
  }
}

function parsePort(text: string): number {
  const port = parseNumberOption("port", text, { integer: true });
  if (port > 65535) throw new RangeError(`Invalid port "${text}": use a number from 0 to 65535`);
  return port;
}

function listenError(kind: string, host: string, port: string, error: unknown): Error {
  return new RangeError(`Cannot listen on ${kind} ${host}:${port}: ${messageOf(error)}`);
}

/** Prints where the forwarder listens and serves until SIGINT or SIGTERM. */
async function serveUntilInterrupted(forwarder: Forwarder, output: CliOutput): Promise<void> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => stop = resolve);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    output.out(forwarder.address);
    if (output.isTerminal) output.err("Forwarding; Ctrl-C stops");
    await stopped;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await forwarder.close();
  }
}
