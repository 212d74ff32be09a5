/**
 * `network.UnixNetwork`: each stream is a new connection to a unix socket.
 *
 * @module
 */
import { resolve } from "node:path";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { connDuplex } from "../../src/transport/conn_duplex.ts";
import { GIVE_UP_WHOLE } from "../../src/transport/conn_duplex_options.ts";
import { NetworkDriver } from "./driver.ts";

/**
 * `network.UnixNetwork` (upstream `jumpstarter_driver_network.driver.UnixNetwork`):
 * each stream is a new connection to the unix socket at `path` (relative to
 * the config file).
 *
 * Config: `path` (required), `enableAddress` (default true).
 */
export class UnixNetwork extends NetworkDriver {
  readonly path: string;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context, "unix");
    this.path = resolve(context.baseDir, new ConfigReader(config, context.path).required("path"));
  }

  protected async dial() {
    let conn: Deno.UnixConn;
    try {
      conn = await Deno.connect({ transport: "unix", path: this.path });
    } catch (error) {
      throw new UnavailableError(
        `Cannot connect to unix socket "${this.path}": ${messageOf(error)}`,
        { cause: error },
      );
    }
    return connDuplex(conn, GIVE_UP_WHOLE);
  }

  protected target(): string {
    return `unix://${this.path}`;
  }
}
