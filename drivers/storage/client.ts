/**
 * The client of storage muxes and mux-based flashers (upstream labels
 * `jumpstarter_driver_opendal.client.StorageMuxFlasherClient` and
 * `...StorageMuxClient`) and its CLI commands.
 *
 * @module
 */
import type { Command } from "commander";
import {
  type CliOutput,
  DriverClient,
  formatResult,
  type ProgressCallback,
  type Upload,
  type UploadOptions,
} from "../../src/client/driver_client.ts";
import type { JsonValue } from "../../src/driver/value.ts";
import { messageOf } from "../../src/driver/errors.ts";
import { ProgressBar } from "../../src/client/progress.ts";
import { addExamples } from "../../src/client/cli_support.ts";

/** Options of `write()`. */
export interface WriteOptions {
  /** Called as bytes leave, with the file size as total. */
  onProgress?: ProgressCallback;
  /** The file is compressed this way; the exporter decompresses it. */
  encoding?: UploadOptions["encoding"];
}

/** Options of `flash()`. */
export interface FlashOptions extends WriteOptions {
  /** The flasher's target (partition or device); drivers with one target ignore it. */
  target?: string;
}

/**
 * Switches a storage device between host and DUT and writes images to it.
 *
 * @example
 * ```ts ignore
 * const { sha256 } = await dut.storage.flash("disk.img") as { sha256: string };
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
   * Uploads `path` while `method(handle, ...args)` consumes it. A failed call
   * cancels the upload and is reported; so is a local read error, which is
   * the real cause when the driver then sees a broken stream.
   */
  async #send<T>(path: string, method: string, args: unknown[], options: WriteOptions): Promise<T> {
    const local = await LocalImage.open(path);
    let upload: Upload;
    try {
      upload = await this.upload(local.readable, {
        size: local.size,
        onProgress: options.onProgress,
        encoding: options.encoding,
      });
    } catch (error) {
      local.cancel();
      throw error;
    }
    const call = this.call<T>(method, upload.handle, ...args);
    call.catch(() => local.cancel());
    const [result, uploaded] = await Promise.allSettled([call, upload.done]);
    if (local.readError !== undefined) {
      throw new Error(`Cannot read image "${path}": ${messageOf(local.readError)}`, {
        cause: local.readError,
      });
    }
    if (result.status === "rejected") throw result.reason;
    if (uploaded.status === "rejected") {
      throw new Error(`Upload of "${path}" failed: ${messageOf(uploaded.reason)}`, {
        cause: uploaded.reason,
      });
    }
    return result.value;
  }

  /** Adds `flash IMAGE [--target NAME]`, `info`, `host`, `dut` and `off`. */
  override cli(command: Command, output: CliOutput): void {
    addExamples(
      command
        .command("flash")
        .description("Write an image to the storage (progress on a terminal)")
        .argument("<image>", "local image file")
        .option("--target <name>", "flasher target (partition or device)")
        .option("--compression <type>", "the image is compressed (gzip); the exporter expands it")
        .action(async (image: string, options: { target?: string; compression?: string }) => {
          const bar = new ProgressBar("flashing", output.isTerminal);
          const started = performance.now();
          let bytes = 0;
          const result = await this.flash(image, {
            target: options.target,
            encoding: options.compression as UploadOptions["encoding"],
            onProgress: (sent, total) => {
              bytes = sent;
              bar.update(sent, total);
            },
          }).finally(() => bar.done());
          const seconds = (performance.now() - started) / 1000;
          output.out(
            `Flashed ${image}: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(1)} s`,
          );
          if (result !== null && result !== undefined) output.out(formatResult(result));
        }),
      "disk.img",
      "rootfs.img --target rootfs",
    );
    addExamples(
      command.command("info").description("Show what the driver reports about the storage")
        .action(async () => output.out(formatResult(await this.info()))),
      "",
    );
    addExamples(
      command.command("host").description("Connect the storage to the exporter host")
        .action(() => this.host()),
      "",
    );
    addExamples(
      command.command("dut").description("Connect the storage to the device under test")
        .action(() => this.dut()),
      "",
    );
    addExamples(
      command.command("off").description("Disconnect the storage from host and device")
        .action(() => this.off()),
      "",
    );
  }
}

/** A local file as an upload source that can be cancelled and remembers a read error. */
class LocalImage {
  /** Why reading the file failed, if it did. */
  readError: unknown;
  readonly readable: ReadableStream<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #controller?: ReadableStreamDefaultController<Uint8Array>;
  #cancelled = false;

  private constructor(readonly size: number, file: Deno.FsFile) {
    const reader = this.#reader = file.readable.getReader();
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: async (controller) => {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          if (this.#cancelled) return;
          this.readError = error;
          controller.error(error);
          return;
        }
        if (this.#cancelled) return;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }

  /** Opens `path`, failing with a message that names it. */
  static async open(path: string): Promise<LocalImage> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path);
    } catch (error) {
      throw new Error(`Cannot open image "${path}": ${messageOf(error)}`, { cause: error });
    }
    try {
      return new LocalImage((await file.stat()).size, file);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** Ends the upload with an error and closes the file. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    try {
      this.#controller?.error(new DOMException("The upload was cancelled", "AbortError"));
    } catch {
      // The stream already ended.
    }
    this.#reader.cancel().catch(() => {});
  }
}
