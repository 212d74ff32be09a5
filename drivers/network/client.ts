/**
 * The client of network drivers (upstream label
 * `jumpstarter_driver_network.client.NetworkClient`): byte streams to the
 * target, local port forwarding, an SSH shortcut, and their CLI commands.
 *
 * @module
 */
import type { Command } from "commander";
import { type CliOutput, DriverClient } from "../../src/client/driver_client.ts";
import { addExamples, parseNumberOption, UsageError } from "../../src/client/cli_support.ts";
import { messageOf } from "../../src/driver/errors.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { TRANSPORT_LABEL } from "./driver.ts";
import {
  type Forwarder,
  type ForwardOptions,
  forwardTcp,
  forwardUdp,
  forwardUnix,
  type UdpForwardOptions,
} from "./forward.ts";
import { runSsh, type SshOptions } from "./ssh.ts";

/** Where a forwarder listens. */
export interface ListenOptions extends ForwardOptions {
  /** Local address to bind (default 127.0.0.1). */
  host?: string;
}

/** The commands `NetworkClient` adds to its driver's group. */
export const NETWORK_COMMANDS = ["forward-tcp", "forward-udp", "forward-unix", "address", "ssh"];

/**
 * Reaches an address the exporter can reach: `connect()` for one byte
 * stream, `forwardTcp()` to serve a local port whose every connection is
 * its own stream.
 *
 * @example
 * ```ts ignore
 * await using forward = await dut.ssh.forwardTcp(0);
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

  /** Adds `forward-tcp`, `forward-udp`, `forward-unix`, `address` and `ssh`. */
  override cli(command: Command, output: CliOutput): void {
    const onError = (error: unknown) =>
      output.err(`Forwarded connection failed: ${messageOf(error)}`);
    addExamples(
      command
        .command("forward-tcp")
        .description("Forward a local TCP port to the target until Ctrl-C; prints the address")
        .argument("<port>", "local port to listen on (0: any free port)")
        .option("--address <host>", "local address to listen on", "127.0.0.1")
        .action(async (port: string, options: { address: string }) => {
          const forwarder = await this.forwardTcp(parsePort(port), {
            host: options.address,
            onError,
          }).catch((error) => {
            throw listenError("TCP", options.address, port, error);
          });
          await serveUntilInterrupted(forwarder, output);
        }),
      "2222",
      "0 --address 0.0.0.0",
    );
    addExamples(
      command
        .command("forward-udp")
        .description("Forward a local UDP port to the target until Ctrl-C; prints the address")
        .argument("<port>", "local port to listen on (0: any free port)")
        .option("--address <host>", "local address to listen on", "127.0.0.1")
        .option("--idle <seconds>", "end a peer's stream after this much silence", "60")
        .action(async (port: string, options: { address: string; idle: string }) => {
          const idle = parseNumberOption("--idle", options.idle, { min: 0.001 });
          const forwarder = await this.forwardUdp(parsePort(port), {
            host: options.address,
            idleTimeout: idle * 1000,
            onError,
          }).catch((error) => {
            throw listenError("UDP", options.address, port, error);
          });
          await serveUntilInterrupted(forwarder, output);
        }),
      "5353",
    );
    addExamples(
      command
        .command("forward-unix")
        .description("Forward a local unix socket to the target until Ctrl-C; prints its path")
        .argument("[path]", "socket path to create (default: a new one in a private directory)")
        .action(async (path: string | undefined) => {
          const dir = path === undefined
            ? await Deno.makeTempDir({ prefix: "jumpstarter-forward-" })
            : undefined;
          const socket = path ?? `${dir}/${this.name || "network"}.sock`;
          try {
            const forwarder = await this.forwardUnix(socket, { onError }).catch((error) => {
              throw new UsageError(`Cannot listen on unix socket "${socket}": ${messageOf(error)}`);
            });
            await serveUntilInterrupted(forwarder, output);
          } finally {
            if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
          }
        }),
      "",
      "/tmp/board-console.sock",
    );
    addExamples(
      command
        .command("address")
        .description("Print the address the exporter connects to")
        .action(async () => output.out(await this.address())),
      "",
    );
    addExamples(
      command
        .command("ssh")
        .description("Run ssh through a forwarded local port; exits with ssh's status")
        .argument("[args...]", "arguments after the destination (a remote command); put -- first")
        .option("-u, --user <name>", "remote user name")
        .action(async (args: string[], options: { user?: string }) => {
          const status = await this.ssh(args, { user: options.user, output });
          // Driver commands end with 0 or 1; `jumpstarter ssh` returns ssh's exact status.
          if (status !== 0) throw new Error(`ssh exited with status ${status}`);
        }),
      "",
      "--user root -- uname -a",
    );
  }
}

function parsePort(text: string): number {
  const port = parseNumberOption("port", text, { integer: true });
  if (port > 65535) throw new UsageError(`Invalid port "${text}": use a number from 0 to 65535`);
  return port;
}

function listenError(kind: string, host: string, port: string, error: unknown): Error {
  return new UsageError(`Cannot listen on ${kind} ${host}:${port}: ${messageOf(error)}`);
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
