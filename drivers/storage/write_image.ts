/**
 * Writing an image to a storage target. A regular file target is written to
 * a temporary file beside it (or over its spare, see `spare.ts`) and renamed
 * only when complete, so a failed or interrupted write keeps the previous
 * image. A block (or character) device is written in place; a failure then
 * says the device holds a partial image.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { TransferFile } from "../../src/driver/transfer_file.ts";
import { formatBytes } from "./byte_size.ts";
import { EarlySync } from "./early_sync.ts";
import { replaceFile } from "./replace_file.ts";
import { sourceChunks } from "./source_chunks.ts";
import { openSpare, spareName, type SpareUse } from "./spare.ts";
import { deviceSize, targetKind } from "./target.ts";
import type { TransferResult } from "./transfer_result.ts";

/** Options of `writeImage()`. */
export interface WriteImageOptions {
  /** Most bytes the target takes; a larger image fails without replacing a file target. */
  limit?: number;
  /** Stops the write (the exporter is closing). */
  signal?: AbortSignal;
  /** Shown in messages instead of the path (the export name). */
  label?: string;
  /**
   * Runs once the whole image is written and synced, just before a file
   * target is replaced; throwing fails the write like any other error (a file
   * target keeps its previous image; a device was already written in place).
   */
  beforeCommit?: () => void | Promise<void>;
  /**
   * Keeps the image a file target's flash replaces as the spare the next
   * flash overwrites (see `spare.ts`); without it the replaced image is
   * freed, and a spare left from before is removed.
   */
  spare?: boolean;
}

/** The error for an image that does not fit. */
function tooLarge(label: string, limit: number): DriverError {
  return new DriverError(
    "out_of_range",
    `Image is larger than ${label} (${formatBytes(limit)}, ${limit} bytes)`,
  );
}

/**
 * Streams `source` into `path`, hashing as it goes. A file target is
 * replaced atomically on success; a device is written in place and synced.
 */
export async function writeImage(
  source: ReadableStream<Uint8Array>,
  path: string,
  options: WriteImageOptions = {},
): Promise<TransferResult> {
  const label = options.label ?? `"${path}"`;
  const kind = await targetKind(path);
  let limit = options.limit ?? Infinity;
  // A character device reports no size (0): only a block device's own size limits the image.
  const ownSize = kind === "device" ? await deviceSize(path) : 0;
  if (ownSize > 0) limit = Math.min(limit, ownSize);
  const hash = createHash("sha256");
  /** Bytes accepted from the source; `written` of them have reached the target. */
  let size = 0;
  let written = 0;
  let temp: string | undefined;
  /** Whether `temp` is the target's spare, written in place, and what becomes of the spare. */
  let spareUse: SpareUse = { keep: false };
  let file: Deno.FsFile | undefined;
  let early: EarlySync | undefined;
  const reader = source.getReader();
  const next = sourceChunks(source, reader);
  // Aborting ends a read that is waiting on a stalled source, too.
  const stop = () => void reader.cancel(options.signal?.reason).catch(() => {});
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    const spare = kind === "device" ? undefined : spareName(path);
    if (kind === "device") {
      file = await Deno.open(path, { write: true });
    } else if (options.spare && (spareUse = await openSpare(spare!)).file) {
      file = spareUse.file;
      temp = spare;
    } else {
      if (!options.spare) Deno.remove(spare!).catch(() => {});
      temp = await Deno.makeTempFile({
        dir: dirname(path),
        prefix: `.${basename(path)}.`,
        suffix: ".partial",
      });
      file = await Deno.open(temp, { write: true, truncate: true });
    }
    // A device (often slow media) is written from a thread; a file from the event
    // loop's own thread on a host with few cores (see TransferFile).
    const io = new TransferFile(file, kind === "device" ? false : undefined);
    if (temp !== undefined) early = await EarlySync.open(temp);
    // One write in flight while the next chunk is hashed and read: the disk, the
    // hash and the network overlap instead of taking turns.
    let writing: Promise<void> = Promise.resolve();
    while (true) {
      options.signal?.throwIfAborted();
      const value = await next();
      // A read ended by the abort is not the end of the image.
      options.signal?.throwIfAborted();
      await writing;
      if (value === null) break;
      if (size + value.byteLength > limit) {
        // Fill the target up first: the failure reads the same whatever the chunking
        // of the stream (a raw socket's reads are not the sender's writes).
        await io.write(value.subarray(0, limit - size));
        written += limit - size;
        throw tooLarge(label, limit);
      }
      writing = io.write(value).then(() => void (written += value.byteLength));
      writing.catch(() => {});
      hash.update(value);
      size += value.byteLength;
      early?.written(size);
    }
    await writing;
    await early?.finish();
    // A reused spare may be longer than the image.
    if (spareUse.file) await file.truncate(size);
    // fsync: a file or block device keeps the image across a power cut; a character
    // device (no cache of its own) refuses it.
    if (kind !== "device" || (await Deno.stat(path)).isBlockDevice) await file.syncData();
    file.close();
    file = undefined;
    await options.beforeCommit?.();
    if (temp !== undefined) {
      const mode = kind === "file" ? (await Deno.stat(path)).mode ?? 0o644 : 0o644;
      await Deno.chmod(temp, mode & 0o7777);
      if (spareUse.file && (await Deno.lstat(temp)).ino !== spareUse.ino) {
        throw new Error(`${temp} was replaced while the image was written to it`);
      }
      await replaceFile(temp, path, spareUse.keep ? spare : undefined);
      temp = undefined;
    }
  } catch (error) {
    early?.close();
    file?.close();
    if (temp !== undefined) await Deno.remove(temp).catch(() => {});
    await reader.cancel(error).catch(() => {});
    const reason = messageOf(error);
    const outcome = kind === "device"
      ? `${label} now holds a partial image (${written} bytes written): flash it again`
      : kind === "file"
      ? "the previous image was kept"
      : "nothing was written";
    const code = error instanceof DriverError ? error.code : "aborted";
    throw new DriverError(
      code,
      `Flashing ${label} failed after ${formatBytes(written)}: ${reason}; ${outcome}`,
      { cause: error },
    );
  } finally {
    options.signal?.removeEventListener("abort", stop);
    reader.releaseLock();
  }
  return { size, sha256: hash.digest("hex") };
}
