/**
 * The disk of a `qemu.Qemu` board: a raw image file the VM boots from or
 * attaches, written through the storage-mux/flasher interface.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError, NotImplementedError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { unary } from "../../src/driver/exports.ts";
import { writeDiskImage } from "../storage/disk_image.ts";
import type { QemuMachine } from "./machine.ts";

/** Where the disk is switched: the VM boots with it only on `dut`. */
export type QemuMux = "dut" | "host" | "off";

/** What `write()` and `flash()` return. */
export interface DiskWriteResult {
  size: number;
  sha256: string;
}

/** What `info()` returns. */
export interface DiskInfo {
  path: string;
  /** Bytes in the image (0 when there is none yet). */
  size: number;
  /** SHA-256 of the last image written through this driver, else null. */
  sha256: string | null;
  mux: QemuMux;
  /** True while the VM runs. */
  running: boolean;
}

/** Names `flash()` accepts as its target: the VM has one disk. */
const TARGETS = ["disk", "vda", "/dev/vda"];

/**
 * The VM's disk image (upstream client `StorageMuxFlasherClient`). Writes go
 * to a temporary file beside the image and replace it only when complete,
 * and are refused while the VM runs. `host`/`off` take the disk away from
 * the VM (the next power on boots without it), `dut` gives it back.
 *
 * Config: `path` (the image, relative to the config file; default a
 * temporary file created by the first write and removed on close).
 */
export class QemuStorage extends Driver {
  static override client = "jumpstarter_driver_opendal.client.StorageMuxFlasherClient";

  readonly #closing = new AbortController();
  readonly #configured?: string;
  #path?: string;
  #temporary = false;
  #writing = false;
  #sha256: string | null = null;
  mux: QemuMux = "dut";

  constructor(config: DriverConfig, context: DriverContext, readonly machine: QemuMachine) {
    super(config, context);
    const path = new ConfigReader(config, context.path).string("path");
    this.#configured = path === undefined ? undefined : resolve(context.baseDir, path);
  }

  /** True while an image is being written. */
  get writing(): boolean {
    return this.#writing;
  }

  /** The image file (a temporary path until one is configured or written). */
  get path(): string {
    if (this.#path === undefined) throw new Error(`${this.context.path} was used before open()`);
    return this.#path;
  }

  override async open(): Promise<void> {
    if (this.#configured !== undefined) {
      this.#path = this.#configured;
      return;
    }
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-qemu-disk-" });
    this.#path = `${dir}/disk.img`;
    this.#temporary = true;
  }

  override async close(): Promise<void> {
    this.#closing.abort(new DOMException(`${this.context.path} was closed`, "AbortError"));
    if (this.#temporary && this.#path) {
      await Deno.remove(dirname(this.#path), { recursive: true }).catch(() => {});
    }
  }

  override reset(): void {
    this.mux = "dut";
  }

  /**
   * The image power on attaches: the file when it exists and the mux is on
   * the VM, else none (logged).
   */
  async bootDisk(): Promise<string | undefined> {
    if (this.mux !== "dut") {
      this.log.info(`storage is on ${this.mux}: booting without the disk`);
      return undefined;
    }
    try {
      await Deno.stat(this.path);
      return this.path;
    } catch {
      if (!this.#temporary) this.log.warning(`disk image ${this.path} does not exist yet`);
      return undefined;
    }
  }

  @unary({ description: "Connect the disk to the exporter host (the VM boots without it)" })
  host(): void {
    this.#switch("host");
  }

  @unary({ description: "Connect the disk to the VM" })
  dut(): void {
    this.#switch("dut");
  }

  @unary({ description: "Disconnect the disk from both" })
  off(): void {
    this.#switch("off");
  }

  @unary({ description: "Path, size, sha256 and mux state of the disk image" })
  async info(): Promise<DiskInfo> {
    const size = await Deno.stat(this.path).then((s) => s.size, () => 0);
    return {
      path: this.path,
      size,
      sha256: this.#sha256,
      mux: this.mux,
      running: this.machine.running,
    };
  }

  /** Writes an uploaded image to the disk; refused while the VM runs. */
  @unary({ description: "Write an uploaded image to the disk", params: ["object"] })
  async write(handle: unknown): Promise<DiskWriteResult> {
    return await this.#store(this.context.openResource(handle));
  }

  /** Flashes an uploaded image; `target` may name the one disk. Refused while the VM runs. */
  @unary({ description: "Flash an uploaded image to the disk", params: ["object", "string?"] })
  async flash(handle: unknown, target?: string | null): Promise<DiskWriteResult> {
    const source = this.context.openResource(handle);
    if (target !== undefined && target !== null && !TARGETS.includes(target)) {
      source.cancel().catch(() => {});
      throw new TypeError(`Cannot flash target "${target}": the QEMU board has one disk, "disk"`);
    }
    return await this.#store(source);
  }

  /** Sends the disk image to a client's download handle; refused while the VM runs. */
  @unary({ description: "Send the disk image to the client", params: ["object", "string?"] })
  async dump(handle: unknown, target?: string | null): Promise<DiskWriteResult> {
    if (!this.context.resourceWriter) {
      throw new NotImplementedError("This exporter cannot send resources to clients");
    }
    const sink = this.context.resourceWriter(handle);
    const refusal = target !== undefined && target !== null && !TARGETS.includes(target)
      ? new TypeError(`Cannot dump target "${target}": the QEMU board has one disk, "disk"`)
      : this.machine.running
      ? new FailedPreconditionError(
        `Cannot read the disk image ${this.path}: the VM is running: power it off first`,
      )
      : undefined;
    if (refusal) {
      await sink.abort(refusal).catch(() => {});
      throw refusal;
    }
    const hash = createHash("sha256");
    let size = 0;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path);
    } catch (error) {
      await sink.abort(error).catch(() => {});
      throw new FailedPreconditionError(
        `Cannot read the disk image ${this.path}: ${messageOf(error)}; flash one first`,
      );
    }
    const hashing = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        size += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    await file.readable.pipeThrough(hashing).pipeTo(sink, { signal: this.#closing.signal });
    return { size, sha256: hash.digest("hex") };
  }

  #switch(mux: QemuMux): void {
    if (this.mux !== mux) {
      this.log.info(
        `storage mux to ${mux}${
          this.machine.running ? " (takes effect at the next power on)" : ""
        }`,
      );
    }
    this.mux = mux;
  }

  async #store(source: ReadableStream<Uint8Array>): Promise<DiskWriteResult> {
    const refusal = this.machine.running
      ? "the VM is running: power it off first"
      : this.#writing
      ? "another write is in progress"
      : undefined;
    if (refusal) {
      // Not awaited: the upload ends when the client sees the refusal.
      source.cancel().catch(() => {});
      throw new FailedPreconditionError(`Cannot write the disk image ${this.path}: ${refusal}`);
    }
    this.#writing = true;
    try {
      return await this.#storeNow(source);
    } finally {
      this.#writing = false;
    }
  }

  async #storeNow(source: ReadableStream<Uint8Array>): Promise<DiskWriteResult> {
    const image = this.path;
    const { size, sha256 } = await writeDiskImage(source, image, {
      what: `Write to the disk image ${image}`,
      signal: this.#closing.signal,
      beforeCommit: () => {
        if (this.machine.running) throw new Error("the VM was powered on during the write");
      },
    });
    this.#sha256 = sha256;
    this.log.info(`wrote ${size} bytes to ${image}, sha256 ${sha256}`);
    return { size, sha256 };
  }
}
