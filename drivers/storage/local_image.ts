/**
 * A local image file as the source of an upload: read in stream-frame
 * chunks (or straight into a transport's buffers), cancellable, and
 * remembering a read error so the client can report the real cause.
 *
 * @module
 */
import { messageOf } from "../../src/driver/error_message.ts";
import { readsInto } from "../../src/driver/reads_into.ts";
import { TransferFile } from "../../src/driver/transfer_file.ts";

/** Bytes read from an image at a time: one stream frame (`MAX_FRAME`). */
const CHUNK = 256 * 1024;

/**
 * A local file as an upload source that can be cancelled and remembers a
 * read error. `onRead` sees every byte read (the image's digest). Its
 * readable also reads straight into a transport's buffers (`readsInto`).
 */
export class LocalImage {
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
