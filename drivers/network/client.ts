/**
 * The client of network drivers (upstream label
 * `jumpstarter_driver_network.client.NetworkClient`): byte streams to the
 * target, local port forwarding, an SSH shortcut, and their CLI commands
 * (in `network_commands.ts`).
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { TRANSPORT_LABEL } from "./network_labels.ts";
import type { Forwarder, ForwardOptions, ListenOptions } from "./forwarder.ts";
import { forwardTcp, forwardUnix } from "./stream_forwarder.ts";
import { forwardUdp, type UdpForwardOptions } from "./forward_udp.ts";
import { networkCommands } from "./network_commands.ts";
import { runSsh, type SshOptions } from "./ssh.ts";

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
    return networkCommands(this);
  }
}
