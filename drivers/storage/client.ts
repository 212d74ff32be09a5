/**
 * The client of storage muxes and mux-based flashers (upstream labels
 * `jumpstarter_driver_opendal.client.StorageMuxFlasherClient` and
 * `...StorageMuxClient`) and its CLI commands.
 *
 * @module
 */
import {
  DriverClient,
  formatResult,
  type ProgressCallback,
  type Upload,
  type UploadOptions,
} from "../../src/client/driver_client.ts";
import type { JsonValue } from "../../src/driver/value.ts";
import { DriverError, messageOf } from "../../src/driver/errors.ts";
import { ProgressBar } from "../../src/client/progress.ts";
import { type DriverCommand, stringArg, stringOption } from "../../src/client/commands.ts";
import { readsInto } from "../../src/driver/stream.ts";
import { TransferFile } from "../../src/driver/transfer_file.ts";
import { checkEncoding, decompressor, encodingOfPath } from "../../src/compression.ts";
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
 * ```ts ignore
 * const { sha256, verified } = await dut.storage.flash<VerifiedResult>("disk.img.zst");
 * await dut.storage.dump("backup.img");
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
    const target = {
      flags: "--target <name>",
      description: "flasher target (partition or device)",
    };
    const flash: DriverCommand = {
      name: "flash",
      description:
        "Write an image to the storage (progress on a terminal, sha256 checked at the end)",
      arguments: [{ name: "<image>", description: "local image file" }],
      options: [target, {
        flags: "--compression <type>",
        description:
          "gzip, xz, zstd, bz2 or none (default: from the file name); the exporter expands it",
      }],
      examples: ["disk.img", "disk.img.zst", "rootfs.img --target rootfs"],
      run: async (input) => {
        const { output } = input;
        const image = stringArg(input, "image")!;
        const bar = new ProgressBar("flashing", output.isTerminal);
        const started = performance.now();
        let bytes = 0;
        const result = await this.flash(image, {
          target: stringOption(input, "target"),
          encoding: parseCompression(stringOption(input, "compression")),
          onProgress: (sent, total) => {
            bytes = sent;
            bar.update(sent, total);
          },
        }).finally(() => bar.done());
        const seconds = (performance.now() - started) / 1000;
        output.out(
          `Flashed ${image}: ${(bytes / 1024 / 1024).toFixed(1)} MB sent in ${
            seconds.toFixed(1)
          } s${(result as Partial<VerifiedResult>)?.verified ? ", sha256 verified" : ""}`,
        );
        if (result !== null && result !== undefined) output.out(formatResult(result));
      },
    };
    const dump: DriverCommand = {
      name: "dump",
      description: "Copy the storage's content to a local file (sha256 checked at the end)",
      arguments: [{
        name: "<out>",
        description: "local file to create (replaced only when the copy is complete)",
      }],
      options: [target],
      examples: ["backup.img", "rootfs.img --target rootfs"],
      run: async (input) => {
        const { output } = input;
        const out = stringArg(input, "out")!;
        const bar = new ProgressBar("dumping", output.isTerminal);
        const started = performance.now();
        let bytes = 0;
        const result = await this.dump(out, {
          target: stringOption(input, "target"),
          onProgress: (received) => {
            bytes = received;
            bar.update(received);
          },
        }).finally(() => bar.done());
        const seconds = (performance.now() - started) / 1000;
        output.out(
          `Dumped to ${out}: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(1)} s${
            (result as Partial<VerifiedResult>)?.verified ? ", sha256 verified" : ""
          }`,
        );
      },
    };
    const mux: DriverCommand[] = [
      {
        name: "info",
        description: "Show what the driver reports about the storage",
        examples: [""],
        run: async ({ output }) => output.out(formatResult(await this.info())),
      },
      {
        name: "host",
        description: "Connect the storage to the exporter host",
        examples: [""],
        run: () => this.host(),
      },
      {
        name: "dut",
        description: "Connect the storage to the device under test",
        examples: [""],
        run: () => this.dut(),
      },
      {
        name: "off",
        description: "Disconnect the storage from host and device",
        examples: [""],
        run: () => this.off(),
      },
    ];
    const methods = this.report.methodsDescription;
    const dumps = "dump" in methods || "read" in methods;
    return [flash, ...(dumps ? [dump] : []), ...mux];
  }
}

/** Bytes read from an image at a time: one stream frame (`MAX_FRAME`). */
const CHUNK = 256 * 1024;

/** The `--compression` option: an encoding, "none" (send as is), or undefined (from the name). */
function parseCompression(value: string | undefined): UploadOptions["encoding"] | undefined {
  if (value === undefined) return undefined;
  if (value === "none") return null;
  try {
    return checkEncoding(value);
  } catch {
    throw new RangeError(
      `Invalid --compression "${value}": use gzip, xz, zstd, bz2 or none`,
    );
  }
}

/**
 * A local file as an upload source that can be cancelled and remembers a
 * read error. `onRead` sees every byte read (the image's digest). Its
 * readable also reads straight into a transport's buffers (`readsInto`).
 */
class LocalImage {
  /** Why reading the file failed, if it did. */
  readError: unknown;
  readonly readable: ReadableStream<Uint8Array>;
  readonly #file: Deno.FsFile;
  /** Reads of `#file`, on the event loop's thread on a host with few cores. */
  readonly #io: TransferFile;
  readonly #onRead?: (bytes: Uint8Array) => void;
  #controller?: ReadableStreamDefaultController<Uint8Array>;
  #cancelled = false;
  #closed = false;

  private constructor(
    readonly size: number,
    regular: boolean,
    file: Deno.FsFile,
    onRead?: (bytes: Uint8Array) => void,
  ) {
    this.#file = file;
    // A pipe or a device may wait for its writer: only a regular file is read blocking.
    this.#io = new TransferFile(file, regular ? undefined : false);
    this.#onRead = onRead;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: async (controller) => {
        // Chunks as large as one stream frame: fewer, larger messages upload faster.
        const buffer = new Uint8Array(CHUNK);
        let n: number | null;
        try {
          n = await this.#read(buffer);
        } catch (error) {
          if (!this.#cancelled) controller.error(error);
          return;
        }
        if (n === null) controller.close();
        else controller.enqueue(n === CHUNK ? buffer : buffer.subarray(0, n));
      },
      // The consumer gave up (the driver refused the upload, say): a read that
      // fails as the file closes under it is not a read error.
      cancel: () => {
        this.#cancelled = true;
        this.#close();
      },
    }, { highWaterMark: 0 });
    this.readable = readsInto(stream, (view) => this.#read(view));
  }

  /** Reads into `view`; null at the end of the file (closed then). */
  async #read(view: Uint8Array): Promise<number | null> {
    let n: number | null;
    try {
      n = await this.#io.read(view);
    } catch (error) {
      if (this.#cancelled) throw uploadCancelled();
      this.readError = error;
      this.#close();
      throw error;
    }
    if (this.#cancelled) throw uploadCancelled();
    if (n === null) {
      this.#close();
      return null;
    }
    this.#onRead?.(view.subarray(0, n));
    return n;
  }

  /** Opens `path`, failing with a message that names it. */
  static async open(path: string, onRead?: (bytes: Uint8Array) => void): Promise<LocalImage> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path);
    } catch (error) {
      throw new Error(`Cannot open image "${path}": ${messageOf(error)}`, { cause: error });
    }
    try {
      const info = await file.stat();
      return new LocalImage(info.size, info.isFile, file, onRead);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#file.close();
    } catch {
      // Already closed.
    }
  }

  /** Ends the upload with an error and closes the file. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    try {
      this.#controller?.error(uploadCancelled());
    } catch {
      // The stream already ended.
    }
    this.#close();
  }
}

function uploadCancelled(): DOMException {
  return new DOMException("The upload was cancelled", "AbortError");
}
