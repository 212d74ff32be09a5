/**
 * Reading a storage target back: its content streamed to a sink, hashed as
 * it goes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { DriverError } from "../../src/driver/driver_error.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { formatBytes } from "./byte_size.ts";
import type { TransferResult } from "./transfer_result.ts";

/**
 * Streams the content of `path` (a whole file, or a device up to `limit`)
 * into `sink`, hashing as it goes; closes `sink` at the end.
 */
export async function readImage(
  path: string,
  sink: WritableStream<Uint8Array>,
  options: { limit?: number; signal?: AbortSignal; label?: string } = {},
): Promise<TransferResult> {
  const label = options.label ?? `"${path}"`;
  const writer = sink.getWriter();
  const hash = createHash("sha256");
  let size = 0;
  try {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new FailedPreconditionError(`Cannot read ${label}: nothing was written to it yet`);
      }
      throw error;
    }
    using _file = file;
    const limit = options.limit ?? Infinity;
    const buffer = new Uint8Array(256 * 1024);
    while (size < limit) {
      options.signal?.throwIfAborted();
      const want = Math.min(buffer.byteLength, limit - size);
      const n = await file.read(buffer.subarray(0, want));
      if (n === null) break;
      const chunk = buffer.slice(0, n);
      hash.update(chunk);
      size += n;
      await writer.write(chunk);
    }
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    if (error instanceof DriverError) throw error;
    throw new DriverError(
      "aborted",
      `Reading ${label} failed after ${formatBytes(size)}: ${messageOf(error)}`,
      { cause: error },
    );
  } finally {
    writer.releaseLock();
  }
  return { size, sha256: hash.digest("hex") };
}
