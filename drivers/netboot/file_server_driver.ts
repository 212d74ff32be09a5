/**
 * The base of the exporter's file servers (`network.TftpServer`,
 * `network.HttpServer`): one served directory (`root`), a listen address
 * (`host`, `port`) in the config and in the report, and the methods a client
 * uses to fill the directory: `put(handle, name)` over the byte-stream
 * upload path, `list()`, `remove(name)`. The server starts when the
 * exporter opens the driver; upstream's `start`/`stop`, `get_host` and
 * `get_port` are there too.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { unary } from "../../src/driver/exports.ts";
import { BadNameError, FileRoot, type PutResult, type RootEntry } from "./file_root.ts";

/**
 * Label with the address a file server listens on (`tftp://192.168.77.1:69`),
 * as configured: the report is made before the server binds, so with port 0
 * only `address()` has the port chosen.
 */
export const ADDRESS_LABEL = "jumpstarter.dev/address";

/** What a subclass runs: a server it can stop. */
export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A file server driver: the directory, the address, and the client's file methods. */
export abstract class FileServerDriver extends Driver {
  readonly rootDir: string;
  readonly host: string;
  /** The configured port (0: any free one, reported once bound). */
  readonly configuredPort: number;
  /** Largest file `put` accepts, in bytes. */
  readonly maxFileSize: number;
  #root?: FileRoot;
  #server?: RunningServer;

  constructor(
    config: DriverConfig,
    context: DriverContext,
    readonly scheme: "tftp" | "http",
    defaults: { root: string; port: number },
  ) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    // Upstream spells it root_dir; both are accepted.
    const root = reader.string("root", reader.string("root_dir", defaults.root));
    this.rootDir = isAbsolute(root) ? root : resolve(context.baseDir, root);
    this.host = reader.string("host", "0.0.0.0").replace(/^\[|\]$/g, "");
    const port = reader.number("port", defaults.port, 0);
    if (!Number.isInteger(port) || port > 65535) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.port: expected a port number 0-65535, got ${
          JSON.stringify(config.port)
        }`,
      );
    }
    this.configuredPort = port;
    this.maxFileSize = reader.number("maxFileSize", 4 * 1024 ** 3, 1);
    this.labels[ADDRESS_LABEL] = this.#url(port);
  }

  /** Starts the server on the configured address. */
  protected abstract serve(root: FileRoot): Promise<RunningServer>;

  #url(port: number): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `${this.scheme}://${host}:${port}`;
  }

  override async open(): Promise<void> {
    this.#root = await FileRoot.open(this.rootDir);
    await this.start();
  }

  override async close(): Promise<void> {
    await this.stop();
  }

  /** The served directory (opened with the driver). */
  protected get root(): FileRoot {
    if (!this.#root) throw new FailedPreconditionError(`${this.context.path} is not open yet`);
    return this.#root;
  }

  @unary({ description: "Start the server (it starts with the exporter; upstream's start)" })
  async start(): Promise<void> {
    if (this.#server) return;
    try {
      this.#server = await this.serve(this.root);
    } catch (error) {
      throw new DriverError(
        "unavailable",
        `Cannot start the ${this.scheme.toUpperCase()} server of ${this.context.path} on ${
          this.#url(this.configuredPort)
        }: ${messageOf(error)}; pick another host or port in its config`,
        { cause: error },
      );
    }
    this.log.info(`serving ${this.rootDir} on ${this.address()}`);
  }

  @unary({ description: "Stop the server (upstream's stop)" })
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.close();
  }

  /** The URL clients reach the server on (`tftp://192.168.77.1:69`). */
  @unary({ description: "The address the server listens on, as a URL" })
  address(): string {
    return this.#url(this.#server?.port ?? this.configuredPort);
  }

  @unary({ description: "The host the server listens on (upstream's get_host)" })
  get_host(): string {
    return this.host;
  }

  @unary({ description: "The port the server listens on (upstream's get_port)" })
  get_port(): number {
    return this.#server?.port ?? this.configuredPort;
  }

  /** Stores an uploaded file as `name` in the served directory. */
  @unary({
    description: "Store an uploaded file in the served directory",
    params: ["object", "string"],
  })
  async put(handle: unknown, name: string): Promise<PutResult> {
    const source = this.context.openResource(handle);
    try {
      const result = await this.root.put(name, source, this.maxFileSize);
      this.log.info(`stored ${result.name} (${result.size} bytes)`);
      return result;
    } catch (error) {
      throw this.#clientError(error, name);
    }
  }

  @unary({ description: "The files in the served directory" })
  async list(): Promise<RootEntry[]> {
    return await this.root.list();
  }

  @unary({ description: "Remove a file from the served directory", params: ["string"] })
  async remove(name: string): Promise<void> {
    try {
      await this.root.remove(name);
    } catch (error) {
      throw this.#clientError(error, name);
    }
  }

  #clientError(error: unknown, name: string): unknown {
    if (error instanceof BadNameError) return new TypeError(error.message);
    if (error instanceof RangeError) return new DriverError("out_of_range", error.message);
    if (error instanceof Deno.errors.NotFound) {
      return new DriverError(
        "not_found",
        `No file ${JSON.stringify(name)} in ${this.context.name || this.rootDir}: see its list`,
      );
    }
    return error;
  }
}
