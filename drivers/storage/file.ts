/**
 * `storage.FileStorageMux`: a storage mux and flasher over a file or block
 * device on the exporter host (a disk image a QEMU or USB-gadget DUT uses,
 * a card reader's `/dev/sdX`). Upstream's storage-mux names: `host`, `dut`,
 * `off`, `write(handle)`, `read(handle)`; flasher names: `flash(handle,
 * target)`, `dump(handle, target)`.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError, NotImplementedError } from "../../src/driver/errors.ts";
import { unary } from "../../src/driver/exports.ts";
import { parseSize } from "./byte_size.ts";
import { readImage } from "./read_image.ts";
import { deviceSize, type TargetKind, targetKind } from "./target.ts";
import type { TransferResult } from "./transfer_result.ts";
import { writeImage } from "./write_image.ts";

/** Where the storage is connected. */
export type MuxState = "host" | "dut" | "off";

/** What `info()` returns. */
export interface StorageMuxInfo {
  /** The file or device on the exporter host. */
  path: string;
  kind: TargetKind;
  /** Bytes it holds now (null when missing). */
  size: number | null;
  /** Most bytes an image may have (null: no limit). */
  capacity: number | null;
  mux: MuxState;
  /** The last completed write, if any since the exporter started. */
  last_write: (TransferResult & { time: string }) | null;
}

/** Names `flash()`/`dump()` accept as the one target. */
function targetNames(path: string): string[] {
  return ["default", path, path.replace(/^.*\//, "")];
}

/**
 * A mux and flasher over one file or block device.
 *
 * Config:
 * - `path` (required): the image file or device, relative paths against the
 *   config file's directory. A missing file is created by the first write.
 * - `size`: most bytes an image may have (`268435456`, `"256MiB"`); a device's
 *   own size always applies.
 * - `spare` (default true): a file target keeps the image a flash replaces as
 *   `.NAME.spare` beside it, and the next flash overwrites that in place
 *   (faster: nothing to allocate or free; see `spare.ts`). `false` frees
 *   the replaced image instead, for disks without room for two images.
 *
 * `write`/`read` need the storage on the host (`host()` first, as upstream);
 * `flash`/`dump` switch to host, transfer, and switch back to the DUT (also
 * after a failure). One transfer runs at a time.
 */
export class FileStorageMux extends Driver {
  static override client = "jumpstarter_driver_opendal.client.StorageMuxFlasherClient";

  readonly path: string;
  readonly capacity?: number;
  /** Whether flashes keep and reuse a spare (see the config). */
  readonly spare: boolean;
  mux: MuxState = "dut";
  #busy?: string;
  #last: StorageMuxInfo["last_write"] = null;
  readonly #closing = new AbortController();

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const path = reader.required("path");
    this.path = isAbsolute(path) ? path : resolve(context.baseDir, path);
    this.spare = reader.boolean("spare", true);
    if (config.size !== undefined && config.size !== null) {
      const size = parseSize(config.size);
      if (size === undefined || size === 0) {
        throw new ConfigError(
          `Invalid config ${context.path}.config.size: expected a size such as 268435456 or "256MiB", got ${
            JSON.stringify(config.size)
          }`,
        );
      }
      this.capacity = size;
    }
  }

  /** How messages name this storage. */
  protected get label(): string {
    return `storage "${this.context.name || this.path}"`;
  }

  override close(): void {
    this.#closing.abort(new DOMException(`${this.context.path} was closed`, "AbortError"));
  }

  override reset(): void {
    this.mux = "dut";
  }

  /** Switches the mux; subclasses drive real hardware here. */
  protected switchTo(state: MuxState): Promise<void> | void {
    if (this.mux !== state) this.log.info(`storage mux to ${state}`);
    this.mux = state;
  }

  @unary({ description: "Connect the storage to the exporter host" })
  async host(): Promise<void> {
    await this.switchTo("host");
  }

  @unary({ description: "Connect the storage to the device under test" })
  async dut(): Promise<void> {
    await this.switchTo("dut");
  }

  @unary({ description: "Disconnect the storage from host and device" })
  async off(): Promise<void> {
    await this.switchTo("off");
  }

  /** Path, kind, size, capacity, mux state and the last write. */
  @unary({ description: "Path, size, capacity, mux state and last write of the storage" })
  async info(): Promise<StorageMuxInfo> {
    const kind = await targetKind(this.path);
    const size = kind === "missing"
      ? null
      : kind === "device"
      ? await deviceSize(this.path).catch(() => null)
      : (await Deno.stat(this.path)).size;
    return {
      path: this.path,
      kind,
      size,
      capacity: await this.#limit(kind) ?? null,
      mux: this.mux,
      last_write: this.#last,
    };
  }

  /** Writes an uploaded image (storage on the host side). */
  @unary({ description: "Write an uploaded image to the storage", params: ["object"] })
  async write(handle: unknown): Promise<TransferResult> {
    const source = this.context.openResource(handle);
    try {
      this.#checkOnHost("write to");
    } catch (error) {
      await source.cancel(error).catch(() => {});
      throw error;
    }
    return await this.#exclusive("write", () => this.#store(source));
  }

  /** Sends the storage's content to a client through a download handle (storage on the host side). */
  @unary({ description: "Send the storage's content to the client", params: ["object"] })
  async read(handle: unknown): Promise<TransferResult> {
    const sink = this.#sink(handle);
    try {
      this.#checkOnHost("read from");
    } catch (error) {
      await sink.abort(error).catch(() => {});
      throw error;
    }
    return await this.#exclusive("read", () => this.#send(sink));
  }

  /** Switches to host, writes the uploaded image, switches back to the DUT. */
  @unary({
    description: "Flash an uploaded image: host, write, back to the DUT",
    params: ["object", "string?"],
  })
  async flash(handle: unknown, target?: string | null): Promise<TransferResult> {
    const source = this.context.openResource(handle);
    try {
      this.#checkTarget(target);
    } catch (error) {
      await source.cancel(error).catch(() => {});
      throw error;
    }
    return await this.#exclusive("flash", async () => {
      await this.switchTo("host");
      try {
        return await this.#store(source);
      } finally {
        await this.switchTo("dut");
      }
    });
  }

  /** Switches to host, sends the storage's content, switches back to the DUT. */
  @unary({
    description: "Dump the storage to the client: host, read, back to the DUT",
    params: ["object", "string?"],
  })
  async dump(handle: unknown, target?: string | null): Promise<TransferResult> {
    const sink = this.#sink(handle);
    try {
      this.#checkTarget(target);
    } catch (error) {
      await sink.abort(error).catch(() => {});
      throw error;
    }
    return await this.#exclusive("dump", async () => {
      await this.switchTo("host");
      try {
        return await this.#send(sink);
      } finally {
        await this.switchTo("dut");
      }
    });
  }

  /** Checks the host can reach the storage before a transfer (a subclass waits for its device). */
  protected ready(): Promise<void> | void {}

  #sink(handle: unknown): WritableStream<Uint8Array> {
    if (!this.context.resourceWriter) {
      throw new NotImplementedError("This exporter cannot send resources to clients");
    }
    return this.context.resourceWriter(handle);
  }

  #checkOnHost(what: string): void {
    if (this.mux !== "host") {
      throw new FailedPreconditionError(
        `Cannot ${what} ${this.label} while it is connected to ${
          this.mux === "dut" ? "the device" : "nothing"
        }: switch it to the host first (jumpstarter ${this.context.name || "storage"} host)`,
      );
    }
  }

  #checkTarget(target: string | null | undefined): void {
    if (target === undefined || target === null) return;
    if (!targetNames(this.path).includes(target)) {
      throw new TypeError(
        `Unknown target "${target}" for ${this.label}: it has one target, "${this.path}"`,
      );
    }
  }

  async #exclusive<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.#busy) {
      throw new FailedPreconditionError(
        `Cannot ${what} ${this.label}: a ${this.#busy} is in progress`,
      );
    }
    this.#busy = what;
    try {
      return await run();
    } finally {
      this.#busy = undefined;
    }
  }

  async #limit(kind: TargetKind): Promise<number | undefined> {
    if (kind !== "device") return this.capacity;
    const device = await deviceSize(this.path).catch(() => undefined);
    if (!device) return this.capacity;
    return this.capacity === undefined ? device : Math.min(device, this.capacity);
  }

  async #store(source: ReadableStream<Uint8Array>): Promise<TransferResult> {
    try {
      await this.ready();
    } catch (error) {
      await source.cancel(error).catch(() => {});
      throw error;
    }
    const started = performance.now();
    const result = await writeImage(source, this.path, {
      limit: this.capacity,
      signal: this.#closing.signal,
      label: this.label,
      spare: this.spare,
    });
    this.#last = { ...result, time: new Date().toISOString() };
    const seconds = (performance.now() - started) / 1000;
    this.log.info(
      `wrote ${result.size} bytes to ${this.path} in ${
        seconds.toFixed(2)
      } s, sha256 ${result.sha256}`,
    );
    return result;
  }

  async #send(sink: WritableStream<Uint8Array>): Promise<TransferResult> {
    try {
      await this.ready();
    } catch (error) {
      await sink.abort(error).catch(() => {});
      throw error;
    }
    const kind = await targetKind(this.path);
    const result = await readImage(this.path, sink, {
      limit: kind === "device" ? await this.#limit(kind) : undefined,
      signal: this.#closing.signal,
      label: this.label,
    });
    this.log.info(`read ${result.size} bytes from ${this.path}, sha256 ${result.sha256}`);
    return result;
  }
}
