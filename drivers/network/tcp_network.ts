/**
 * `network.TcpNetwork`: each stream is a new TCP connection.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { connDuplex } from "../../src/transport/conn_duplex.ts";
import { GIVE_UP_WHOLE } from "../../src/transport/conn_duplex_options.ts";
import { NetworkDriver } from "./driver.ts";
import { hostPort, readHostPort } from "./host_port.ts";

/**
 * `network.TcpNetwork` (upstream `jumpstarter_driver_network.driver.TcpNetwork`):
 * each stream is a new TCP connection to `host:port`.
 *
 * Config: `host`, `port` (required), `enableAddress` (default true).
 */
export class TcpNetwork extends NetworkDriver {
  readonly host: string;
  readonly port: number;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "tcp");
    ({ host: this.host, port: this.port } = readHostPort(config, context.path));
  }

  protected async dial() {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: this.host, port: this.port });
    } catch (error) {
      throw new UnavailableError(
        `Cannot connect to ${hostPort(this.host, this.port)}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    conn.setNoDelay(true);
    return connDuplex(conn, GIVE_UP_WHOLE);
  }

  protected target(): string {
    return `tcp://${hostPort(this.host, this.port)}`;
  }
}
