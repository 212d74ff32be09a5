/**
 * `virtual.Storage`: the simulated board's disk behind a storage mux, kept
 * in a disk image file on the exporter host.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { unary } from "../../src/driver/exports.ts";
import { writeDiskImage } from "../storage/disk_image.ts";
import type { BoardState, MuxState } from "./board_state.ts";
import { sharedBoard } from "./shared_board.ts";

/** What `write()` and `flash()` return. */
export interface WriteResult {
  size: number;
  sha256: string;
}

/** What `info()` returns. */
export interface StorageInfo {
  /** Bytes in the image (0 when nothing was written). */
  size: number;
  /** Hex SHA-256 of the image; null when nothing was written. */
  sha256: string | null;
  mux: MuxState;
}

/** Names `flash()` accepts as its target: the board has one disk. */
const TARGETS = ["mmcblk0", "/dev/mmcblk0", "disk"];

/**
 * A storage mux with a flasher in front (upstream client
 * `StorageMuxFlasherClient`). Writes stream into a temporary file beside the
 * image and replace it only when complete, so a failed or interrupted
 * upload keeps the previous image.
 *
 * Config: `path` (the disk image, relative to the config file; default a
 * temporary file removed on close), `board` (default "board").
 */
export class VirtualStorage extends Driver {
  static override client = "jumpstarter_driver_opendal.client.StorageMuxFlasherClient";

  readonly board: BoardState;
  readonly configuredPath?: string;
  readonly #closing = new AbortController();
  #path?: string;
  #temporary = false;
  #writing?: Promise<unknown>;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const path = new ConfigReader(config, context.path).string("path");
    this.configuredPath = path === undefined ? undefined : resolve(context.baseDir, path);
    this.board = sharedBoard(config, context);
    this.board.retain();
  }

  /** The disk image file (known after `open()`). */
  get path(): string {
    if (this.#path === undefined) throw new Error(`${this.context.path} was used before open()`);
    return this.#path;
  }

  /** Picks the image: the configured one (hashing what it holds) or a new temporary file. */
  override async open(): Promise<void> {
    if (this.configuredPath === undefined) {
      this.#path = await Deno.makeTempFile({ prefix: "jumpstarter-virtual-disk-", suffix: ".img" });
      this.#temporary = true;
      return;
    }
    this.#path = this.configuredPath;
    try {
      const file = await Deno.open(this.#path);
      const hash = createHash("sha256");
      let size = 0;
      for await (const chunk of file.readable) {
        hash.update(chunk);
        size += chunk.byteLength;
      }
      this.board.image = size > 0 ? { size, sha256: hash.digest("hex") } : null;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /** Stops a running write (its temporary file is removed) and a temporary image. */
  override async close(): Promise<void> {
    this.#closing.abort(new DOMException(`${this.context.path} was closed`, "AbortError"));
    await this.#writing?.catch(() => {});
    if (this.#temporary && this.#path) await Deno.remove(this.#path).catch(() => {});
    this.board.release();
  }

  /** A new session finds the storage on the board. */
  override reset(): void {
    this.board.mux = "dut";
  }

  @unary({ description: "Connect the storage to the exporter host" })
  host(): void {
    this.#switch("host");
  }

  @unary({ description: "Connect the storage to the board" })
  dut(): void {
    this.#switch("dut");
  }

  @unary({ description: "Disconnect the storage" })
  off(): void {
    this.#switch("off");
  }

  /** Size, SHA-256 and mux position of the disk. */
  @unary({ description: "Size, sha256 and mux state of the disk" })
  info(): StorageInfo {
    const image = this.board.image;
    return { size: image?.size ?? 0, sha256: image?.sha256 ?? null, mux: this.board.mux };
  }

  /** Writes an uploaded image to the disk; refused while the running board uses it. */
  @unary({ description: "Write an uploaded image to the disk", params: ["object"] })
  async write(handle: unknown): Promise<WriteResult> {
    return await this.#store(await this.#openUpload(handle));
  }

  /**
   * Writes an image like a mux-based flasher: storage to host, write, storage
   * back to the board (also after a failed write). `target` may name the one disk.
   */
  @unary({ description: "Flash an uploaded image to the disk", params: ["object", "string?"] })
  async flash(handle: unknown, target?: string | null): Promise<WriteResult> {
    if (target !== undefined && target !== null && !TARGETS.includes(target)) {
      throw new TypeError(
        `Cannot flash target "${target}": the virtual board has one disk, "mmcblk0"`,
      );
    }
    const source = await this.#openUpload(handle);
    this.#switch("host");
    try {
      return await this.#store(source);
    } finally {
      this.#switch("dut");
    }
  }

  #switch(mux: MuxState): void {
    if (this.board.mux !== mux) this.log.info(`storage mux to ${mux}`);
    this.board.mux = mux;
  }

  /** Opens the upload `handle` names; a refused write cancels it. */
  async #openUpload(handle: unknown): Promise<ReadableStream<Uint8Array>> {
    const source = this.context.openResource(handle);
    try {
      this.#checkWritable();
    } catch (error) {
      await source.cancel(error).catch(() => {});
      throw error;
    }
    return source;
  }

  #checkWritable(): void {
    if (this.#writing) {
      throw new FailedPreconditionError(
        `Cannot write to ${this.context.name || "the virtual disk"}: another write is in progress`,
      );
    }
    if (this.board.powered && this.board.mux === "dut") {
      throw new FailedPreconditionError(
        "Cannot write the virtual disk while the powered board uses it: switch the storage to host first",
      );
    }
  }

  /** Streams into a temporary file beside the image, hashing as it goes; renames on success. */
  #store(source: ReadableStream<Uint8Array>): Promise<WriteResult> {
    const run = this.#storeNow(source);
    this.#writing = run;
    return run.finally(() => this.#writing = undefined);
  }

  async #storeNow(source: ReadableStream<Uint8Array>): Promise<WriteResult> {
    const { size, sha256 } = await writeDiskImage(source, this.path, {
      what: "Write to the virtual disk",
      signal: this.#closing.signal,
    });
    this.board.image = size > 0 ? { size, sha256 } : null;
    this.log.info(`wrote ${size} bytes to the virtual disk, sha256 ${sha256}`);
    return { size, sha256 };
  }
}
