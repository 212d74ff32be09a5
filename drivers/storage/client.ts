/**
 * The client of storage muxes and mux-based flashers (upstream labels
 * `jumpstarter_driver_opendal.client.StorageMuxFlasherClient` and
 * `...StorageMuxClient`); its CLI commands are in `cli.ts`.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import type { JsonValue } from "../../src/driver/json_value.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { storageCommands } from "./cli.ts";
import type { DumpOptions, FlashOptions, WriteOptions } from "./client_options.ts";

// The transfer modules load on first use: digests and compression load `node:crypto` and
// `node:zlib`, ~35 ms of start-up for every command of a board with storage (`power on` too).
const upload = () => import("./upload_image.ts").then((m) => m.uploadImage);
const save = () => import("./save_download.ts").then((m) => m.saveDownload);

/**
 * Switches a storage device between host and DUT, writes images to it and
 * reads them back.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * const image = await Deno.makeTempFile({ suffix: ".img" });
 * await Deno.writeFile(image, new Uint8Array(64 * 1024).fill(0xa5));
 * const { size, verified } = await dut.storage.flash<{ size: number; verified: boolean }>(image);
 * assert.deepEqual([size, verified], [64 * 1024, true]); // the driver's sha256 matched the file's
 * assert.equal((await dut.storage.info<{ mux: string }>()).mux, "dut"); // back on the board
 * await Deno.remove(image);
 * ```
 */
export class StorageClient extends DriverClient {
  /** Connects the storage to the exporter host. */
  async host(): Promise<void> {
    await this.call("host");
  }

  /** Connects the storage to the device under test. */
  async dut(): Promise<void> {
    await this.call("dut");
  }

  /** Disconnects the storage from both. */
  async off(): Promise<void> {
    await this.call("off");
  }

  /** The driver's description of the storage (for the virtual board: size, sha256, mux). */
  info<T = JsonValue>(): Promise<T> {
    return this.call<T>("info");
  }

  /** Uploads a local file to the storage with the driver's `write`; returns its result. */
  async write<T = JsonValue>(path: string, options: WriteOptions = {}): Promise<T> {
    return await (await upload())<T>(this, path, "write", [], options);
  }

  /**
   * Flashes a local image with the driver's `flash(handle, target)`. A driver
   * without `flash` (an upstream storage mux) is driven the upstream way:
   * host, write, then dut even if the write fails.
   */
  async flash<T = JsonValue>(path: string, options: FlashOptions = {}): Promise<T> {
    if ("flash" in this.report.methodsDescription) {
      return await (await upload())<T>(this, path, "flash", [options.target ?? null], options);
    }
    if (options.target !== undefined) {
      throw new TypeError(
        `Cannot flash target "${options.target}": storage "${this.name}" is a plain mux with one target`,
      );
    }
    await this.host();
    try {
      return await this.write<T>(path, options);
    } finally {
      await this.dut();
    }
  }

  /**
   * Copies the storage's content to the local file `path` with the driver's
   * `dump(handle, target)`, or, on a plain mux, host, `read(handle)`, dut.
   * The file appears only when complete and its sha256 matches the driver's.
   */
  async dump<T = JsonValue>(path: string, options: DumpOptions = {}): Promise<T> {
    const methods = this.report.methodsDescription;
    if (!("dump" in methods) && options.target !== undefined) {
      throw new TypeError(
        `Cannot dump target "${options.target}": storage "${this.name}" is a plain mux with one target`,
      );
    }
    const saveDownload = await save();
    const download = await this.download();
    const call = "dump" in methods
      ? this.call<T>("dump", download.handle, options.target ?? null)
      : (async () => {
        await this.host();
        try {
          return await this.call<T>("read", download.handle);
        } finally {
          await this.dut();
        }
      })();
    return await saveDownload(download.readable, call, path, {
      onProgress: options.onProgress,
      label: `storage "${this.name}"`,
    });
  }

  /** `flash IMAGE [--target NAME]`, `dump OUT`, `info`, `host`, `dut` and `off`. */
  override commands(): DriverCommand[] {
    return storageCommands(this);
  }
}
