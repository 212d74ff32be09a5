/**
 * Network drivers (upstream's `jumpstarter_driver_network.driver.*`): each
 * `connect` byte stream opens a new connection from the exporter host to a
 * configured address, and `address()` says where that is. Clients forward
 * local ports through them (`NetworkClient.forwardTcp`).
 *
 * @module
 */
import { resolve } from "node:path";
import { Driver, type DriverConfig, type DriverContext } from "../../src/driver/driver.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError, messageOf, UnavailableError } from "../../src/driver/errors.ts";
import { byteStream, unary } from "../../src/driver/exports.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { connDuplex } from "../../src/transport/conn_duplex.ts";
import { GIVE_UP_WHOLE } from "../../src/transport/conn_duplex_options.ts";
import { connectUdp } from "./datagram.ts";

/** The client label upstream's network drivers report. */
export const NETWORK_CLIENT = "jumpstarter_driver_network.client.NetworkClient";

/** Label telling clients which transport a network driver connects with. */
export const TRANSPORT_LABEL = "jumpstarter.dev/network/transport";

/** Something a network driver holds open and closes with the driver. */
interface Closable {
  close(): void;
  readonly closed: Promise<void>;
}

/**
 * Base of the network drivers: tracks the connections it opened so `close()`
 * ends them, and reports its transport in a label.
 */
export abstract class NetworkDriver extends Driver {
  static override client = NETWORK_CLIENT;

  readonly #open = new Set<Closable>();
  readonly enableAddress: boolean;

  constructor(config: DriverConfig, context: DriverContext, transport: "tcp" | "udp" | "unix") {
    super(config, context);
    this.labels[TRANSPORT_LABEL] = transport;
    const reader = new ConfigReader(config, context.path);
    // Upstream spells it enable_address; both are accepted.
    this.enableAddress = reader.boolean("enableAddress", reader.boolean("enable_address", true));
  }

  /** Connections open right now. */
  get connections(): number {
    return this.#open.size;
  }

  /** Opens a new connection to the target; each stream has its own. */
  @byteStream({ description: "Open a new connection to the target" })
  async connect(): Promise<Duplex> {
    const connection = await this.dial();
    this.#open.add(connection);
    connection.closed.then(() => {
      this.#open.delete(connection);
      this.log.debug(`connection closed (${this.#open.size} open)`);
    });
    this.log.debug(`connection opened to ${this.target()} (${this.#open.size} open)`);
    return connection;
  }

  /** The target as a URL (`tcp://192.0.2.10:22`). */
  @unary({ description: "The address connections go to" })
  address(): string {
    if (!this.enableAddress) {
      throw new FailedPreconditionError(
        `${
          this.context.name || "This driver"
        } does not reveal its address: enableAddress is false in the exporter config`,
      );
    }
    return this.target();
  }

  /** Ends every open connection. */
  override async close(): Promise<void> {
    const open = [...this.#open];
    for (const connection of open) connection.close();
    await Promise.all(open.map((c) => c.closed));
  }

  /** Opens one connection; subclasses connect their transport. */
  protected abstract dial(): Promise<Duplex & Closable>;

  /** The target as a URL. */
  protected abstract target(): string;
}

/** host:port with IPv6 literals bracketed. */
function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function readHostPort(config: DriverConfig, path: string): { host: string; port: number } {
  const reader = new ConfigReader(config, path);
  const host = reader.required("host").replace(/^\[|\]$/g, "");
  const port = reader.number("port", NaN, 1);
  if (!Number.isInteger(port) || port > 65535) {
    throw new ConfigError(
      `Invalid config ${path}.config.port: expected a port number 1-65535, got ${
        JSON.stringify(config.port) ?? "nothing"
      }`,
    );
  }
  return { host, port };
}

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
