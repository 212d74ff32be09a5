/**
 * The client of storage muxes and mux-based flashers (upstream labels
 * `jumpstarter_driver_opendal.client.StorageMuxFlasherClient` and
 * `...StorageMuxClient`); its CLI commands are in `cli.ts`.
 *
 * @module
 */
import {
  DriverClient,
  type ProgressCallback,
  type Upload,
  type UploadOptions,
} from "../../src/client/driver_client.ts";
import type { JsonValue } from "../../src/driver/value.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { checkEncoding, decompressor, encodingOfPath } from "../../src/compression.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { storageCommands } from "./cli.ts";
import { LocalImage } from "./local_image.ts";
import { ImageDigest, saveDownload } from "./transfer.ts";

/** Options of `write()`. */
export interface WriteOptions {
  /** Called as bytes leave, with the file size as total. */
  onProgress?: ProgressCallback;
  /**
   * The file is compressed this way and the exporter expands it. Default: from
   * the file name (`.gz`, `.xz`, `.zst`, `.bz2`); null sends it as it is.
   */
  encoding?: UploadOptions["encoding"];
  /**
   * Compare the sha256 of the image (expanded, if compressed) with the one the
   * driver reports, and fail on a mismatch (default true).
   */
  verify?: boolean;
}

/** Options of `dump()`. */
export interface DumpOptions {
  /** The flasher's target (partition or device); drivers with one target ignore it. */
  target?: string;
  /** Called as bytes arrive (total unknown). */
  onProgress?: ProgressCallback;
}

/** A transfer result from a driver that reports `size` and `sha256`, once checked. */
export interface VerifiedResult {
  size: number;
  sha256: string;
  /** True when the local sha256 was compared and matched. */
  verified: boolean;
}

/** Options of `flash()`. */
export interface FlashOptions extends WriteOptions {
  /** The flasher's target (partition or device); drivers with one target ignore it. */
  target?: string;
}

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
  write<T = JsonValue>(path: string, options: WriteOptions = {}): Promise<T> {
    return this.#send<T>(path, "write", [], options);
  }

  /**
   * Flashes a local image with the driver's `flash(handle, target)`. A driver
   * without `flash` (an upstream storage mux) is driven the upstream way:
   * host, write, then dut even if the write fails.
   */
  async flash<T = JsonValue>(path: string, options: FlashOptions = {}): Promise<T> {
    if ("flash" in this.report.methodsDescription) {
      return await this.#send<T>(path, "flash", [options.target ?? null], options);
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

  /**
   * Uploads `path` while `method(handle, ...args)` consumes it. A failed call
   * cancels the upload and is reported; so is a local read error, which is
   * the real cause when the driver then sees a broken stream. A result with a
   * `sha256` is checked against the image's own.
   */
  async #send<T>(path: string, method: string, args: unknown[], options: WriteOptions): Promise<T> {
    const encoding = options.encoding === undefined
      ? encodingOfPath(path)
      : options.encoding === null
      ? null
      : checkEncoding(options.encoding);
    // An image sent as it is gets hashed as it is read; a compressed one, as it expands.
    const plain = options.verify !== false && encoding === null ? new ImageDigest() : undefined;
    const local = await LocalImage.open(path, plain?.update);
    const digest = options.verify === false
      ? undefined
      : encoding === null
      ? plain
      : await ImageDigest.expanding(path, () => decompressor(encoding));
    let upload: Upload;
    try {
      upload = await this.upload(local.readable, {
        size: local.size,
        onProgress: options.onProgress,
        encoding,
      });
    } catch (error) {
      local.cancel();
      await digest?.cancel();
      throw error;
    }
    const call = this.call<T>(method, upload.handle, ...args);
    call.catch(() => {
      local.cancel();
      digest?.cancel();
    });
    const [result, uploaded] = await Promise.allSettled([call, upload.done]);
    if (local.readError !== undefined) {
      await digest?.cancel();
      throw new Error(`Cannot read image "${path}": ${messageOf(local.readError)}`, {
        cause: local.readError,
      });
    }
    if (result.status === "rejected") throw result.reason;
    if (uploaded.status === "rejected") {
      await digest?.cancel();
      throw new Error(`Upload of "${path}" failed: ${messageOf(uploaded.reason)}`, {
        cause: uploaded.reason,
      });
    }
    const reported = result.value as { sha256?: unknown } | null;
    if (!digest || typeof reported?.sha256 !== "string") {
      await digest?.cancel();
      return result.value;
    }
    const local256 = await digest.result();
    if (local256 !== reported.sha256) {
      throw new DriverError(
        "data_loss",
        `Checksum mismatch after writing "${path}" to storage "${this.name}": the image's sha256 is ${local256} but the storage reports ${reported.sha256}; do not trust what the storage holds, flash it again`,
      );
    }
    return { ...reported, verified: true } as T;
  }

  /** `flash IMAGE [--target NAME]`, `dump OUT`, `info`, `host`, `dut` and `off`. */
  override commands(): DriverCommand[] {
    return storageCommands(this);
  }
}
