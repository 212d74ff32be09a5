/**
 * The base of the network drivers (upstream's
 * `jumpstarter_driver_network.driver.*`): each `connect` byte stream opens a
 * new connection from the exporter host to a configured address, and
 * `address()` says where that is. Clients forward local ports through them
 * (`NetworkClient.forwardTcp`). The drivers are `TcpNetwork`, `UdpNetwork`
 * and `UnixNetwork`, in files of their own.
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { byteStream, unary } from "../../src/driver/exports.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { NETWORK_CLIENT, TRANSPORT_LABEL } from "./network_labels.ts";

/** Something a network driver holds open and closes with the driver. */
export interface Closable {
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
