/**
 * The client-side base class. A `DriverClient` mirrors one node of the
 * exporter's driver tree; subclasses add typed methods (`PowerClient.on()`)
 * and CLI commands. Children are reachable as properties: `dut.power.on()`.
 *
 * @module
 */
import type { JsonValue } from "../driver/json_value.ts";
import type { Duplex } from "../driver/stream.ts";
import type { DriverReport } from "../driver/driver_report.ts";
import { NAME_LABEL } from "../driver/driver_report.ts";
import type { ClientSession } from "./client_session.ts";
import type { DriverCommand } from "./commands.ts";
import { formatResult, parseCliArg } from "./command_values.ts";
import type { Download, Upload, UploadOptions } from "./resource_transfer.ts";

/** A client class as the registry holds it. */
export interface DriverClientClass {
  new (session: ClientSession, report: DriverReport): DriverClient;
}

/**
 * Base client: generic calls plus the child tree. Typed clients
 * (`PowerClient`, ...) extend it; any driver can be called by method name.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   DriverClient,
 *   loadExporterConfig,
 *   PowerClient,
 *   type PowerReading,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect(exporter.socketPath);
 * const power: DriverClient = dut.child("power", PowerClient);
 * await power.call("on");
 * for await (const { voltage } of power.streamingCall<PowerReading>("read")) {
 *   assert.equal(voltage, 5);
 *   break; // ends the stream
 * }
 * ```
 */
export class DriverClient {
  readonly children: Map<string, DriverClient> = new Map();

  constructor(readonly session: ClientSession, readonly report: DriverReport) {}

  get uuid(): string {
    return this.report.uuid;
  }
  /** Key of this node under its parent (`power`); empty for the root. */
  get name(): string {
    return this.report.labels[NAME_LABEL] ?? "";
  }
  get labels(): Record<string, string> {
    return this.report.labels;
  }
  get description(): string | undefined {
    return this.report.description;
  }

  /** Calls an exported unary method by name. */
  call<T = JsonValue>(method: string, ...args: unknown[]): Promise<T> {
    return this.session.call(this.uuid, method, args) as Promise<T>;
  }

  /** Calls an exported streaming method; iterate the results. */
  streamingCall<T = JsonValue>(method: string, ...args: unknown[]): AsyncIterable<T> {
    return this.session.streamingCall(this.uuid, method, args) as AsyncIterable<T>;
  }

  /** Opens a byte stream (`connect` unless named otherwise). */
  stream(method = "connect"): Promise<Duplex> {
    return this.session.openStream(this.uuid, method);
  }

  /** Uploads bytes as a resource for this driver and returns its handle. */
  upload(source: ReadableStream<Uint8Array>, options?: UploadOptions): Promise<Upload> {
    return this.session.upload(this.uuid, source, options);
  }

  /**
   * Opens a resource for this driver to write into (upstream's `read(dst)`,
   * `dump(target)`): pass `handle` to the method and read `readable` meanwhile.
   */
  download(): Promise<Download> {
    if (!this.session.download) {
      return Promise.reject(new TypeError("This connection does not support downloads"));
    }
    return this.session.download(this.uuid);
  }

  /** A child by name, checked to be of the expected client class. */
  child<T extends DriverClient>(name: string, cls?: new (...a: never[]) => T): T {
    const found = this.children.get(name);
    if (!found) {
      const known = [...this.children.keys()].join(", ") || "none";
      throw new TypeError(`No driver "${name}" under ${this.name || "the root"} (known: ${known})`);
    }
    if (cls && !(found instanceof cls)) {
      throw new TypeError(`Driver "${name}" is a ${found.constructor.name}, not a ${cls.name}`);
    }
    return found as T;
  }

  /**
   * The CLI commands this driver offers under its name. The default offers
   * every reported method as `<method> [ARGS...]` with JSON (or plain
   * string) arguments.
   */
  commands(): DriverCommand[] {
    return Object.entries(this.report.methodsDescription).map(([method, description]) => ({
      name: method,
      description: description || `call ${method}() on the driver`,
      arguments: [{
        name: "[args...]",
        description: "arguments, each parsed as JSON or taken as a string",
      }],
      examples: ["", `'"text"' 42 '{"key": "value"}'`],
      run: async ({ args, output }) => {
        const values = (args.args as string[] | undefined) ?? [];
        const result = await this.call(method, ...values.map(parseCliArg));
        if (result !== null && result !== undefined) output.out(formatResult(result));
      },
    }));
  }
}

/**
 * A client for drivers that only group children (upstream's CompositeClient).
 * `connect()` returns one when not told the tree's shape; its children are
 * untyped properties, or typed through `child(name, Class)`.
 *
 * @example
 * ```ts
 * import {
 *   CompositeClient,
 *   connect,
 *   loadExporterConfig,
 *   SerialClient,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect(exporter.socketPath);
 * assert.ok(dut instanceof CompositeClient);
 * assert.deepEqual([...dut.children.keys()], ["power", "serial", "storage"]);
 * assert.ok(dut.child("serial", SerialClient) instanceof SerialClient);
 * await dut.power.on(); // untyped: any
 * ```
 */
export class CompositeClient extends DriverClient {
  // deno-lint-ignore no-explicit-any
  [child: string]: any;
}
