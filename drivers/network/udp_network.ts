/**
 * `network.UdpNetwork`: each stream is a new connected UDP socket, one chunk
 * a datagram.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { connectUdp } from "./datagram.ts";
import { NetworkDriver } from "./driver.ts";
import { hostPort, readHostPort } from "./host_port.ts";

/**
 * `network.UdpNetwork` (upstream `jumpstarter_driver_network.driver.UdpNetwork`):
 * each stream is a new UDP socket connected to `host:port`; one chunk is one
 * datagram.
 *
 * Config: `host`, `port` (required), `enableAddress` (default true).
 */
export class UdpNetwork extends NetworkDriver {
  readonly host: string;
  readonly port: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "udp");
    ({ host: this.host, port: this.port } = readHostPort(config, context.path));
  }

  protected dial() {
    return connectUdp(this.host, this.port);
  }

  protected target(): string {
    return `udp://${hostPort(this.host, this.port)}`;
  }
}
