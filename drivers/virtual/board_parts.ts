/**
 * Pieces shared by the boards that make their own children, `virtual.Board`
 * and `qemu.Qemu`: console streams fanned out from one UART, and writing an
 * uploaded disk image file.
 *
 * @module
 */
import { DriverError, messageOf } from "../../src/driver/errors.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { type TransferResult, writeImage } from "../storage/image_io.ts";

/** A serial port as console streams see it. */
export interface Uart {
  /** Passes everything the port prints from now on to `listener`; returns what detaches it. */
  attach(listener: (bytes: Uint8Array) => void): () => void;
  /** Types bytes on the port. */
  input(bytes: Uint8Array): void | Promise<void>;
}

/** Options of `ConsoleStreams`. */
export interface ConsoleStreamsOptions {
  /** Aborting a stream's writable side disconnects it too (else only cancelling its readable does). */
  disconnectOnAbort?: boolean;
  /** Called after a stream was disconnected. */
  onDisconnect?: () => void;
}

/** Output queued for a console that stopped reading before more is dropped. */
const MAX_BACKLOG = 1024 * 1024;

/**
 * The console streams of one UART: each receives everything the port prints
 * from when it connects, and what a client writes is typed on the port
 * while it is connected.
 */
export class ConsoleStreams {
  readonly #connections = new Set<() => void>();

  constructor(readonly uart: Uart, readonly options: ConsoleStreamsOptions = {}) {}

  /** Connected streams. */
  get size(): number {
    return this.#connections.size;
  }

  /** A new console stream; cancelling its readable disconnects it. */
  connect(): Duplex {
    let detach = () => {};
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const disconnect = () => {
      if (!this.#connections.delete(disconnect)) return;
      detach();
      try {
        controller.close();
      } catch {
        // Already closed or cancelled by the client.
      }
      this.options.onDisconnect?.();
    };
    const readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        detach = this.uart.attach((bytes) => {
          // A client that stops reading loses output, like a UART without flow control.
          if ((c.desiredSize ?? 0) > -MAX_BACKLOG) c.enqueue(bytes);
        });
      },
      cancel: () => disconnect(),
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#connections.has(disconnect) ? this.uart.input(chunk) : undefined,
      abort: this.options.disconnectOnAbort ? () => disconnect() : undefined,
    });
    this.#connections.add(disconnect);
    return { readable, writable };
  }

  /** Ends every stream. */
  close(): void {
    for (const disconnect of [...this.#connections]) disconnect();
  }
}

/** Options of `writeDiskImage()`. */
export interface DiskWriteOptions {
  /** Starts the failure message: `Write to the virtual disk`. */
  what: string;
  /** Stops the write at once (the driver is closing), even while the upload is stalled. */
  signal: AbortSignal;
  /** See `WriteImageOptions.beforeCommit`. */
  beforeCommit?: () => void;
}

/**
 * Writes an uploaded image to the disk image file `path` (a regular file, or
 * none yet) with `writeImage()`: into a temporary file beside it, hashing as
 * it goes, renamed over the image only when complete. A failure cancels the upload and is an `aborted`
 * `DriverError` "<what> failed after N bytes, the previous image was kept:
 * <reason>", N counting the bytes received.
 */
export async function writeDiskImage(
  source: ReadableStream<Uint8Array>,
  path: string,
  options: DiskWriteOptions,
): Promise<TransferResult> {
  let size = 0;
  // Counted for the message: what arrived, not only what reached the disk.
  const counted = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await writeImage(counted, path, {
      signal: options.signal,
      beforeCommit: options.beforeCommit,
    });
  } catch (error) {
    await counted.cancel(error).catch(() => {});
    // writeImage() wraps what went wrong in a message of its own: report the original.
    const reason = error instanceof DriverError && error.cause !== undefined ? error.cause : error;
    throw new DriverError(
      "aborted",
      `${options.what} failed after ${size} bytes, the previous image was kept: ${
        messageOf(reason)
      }`,
      { cause: reason },
    );
  }
}
