/**
 * Writing an uploaded image to a board's disk image file, for the boards
 * that simulate their storage (`virtual.Storage`, the QEMU board's disk): a
 * failure keeps the previous image and says how far the upload got.
 *
 * @module
 */
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import type { TransferResult } from "./transfer_result.ts";
import { writeImage } from "./write_image.ts";

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
