/**
 * Writing an image to a storage target and reading one back, for the
 * storage drivers. A regular file target is written to a temporary file
 * beside it and renamed only when complete, so a failed or interrupted
 * write keeps the previous image. A block (or character) device is written
 * in place; a failure then says the device holds a partial image.
 *
 * With `spare`, the image a flash replaces is kept under a hidden name beside
 * the target (`spareName()`) and the next flash overwrites it in place instead
 * of filling a new file: its blocks are already allocated and its pages
 * cached, so there is nothing to allocate, zero or free, and the final fsync
 * has only data to write. The spare is reused only when it has no other name
 * and the kernel says no open file refers to it (`openElsewhere()`), so a
 * process still reading an image that was replaced keeps reading it whole.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import { DriverError } from "../../src/driver/driver_error.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { directReads } from "../../src/driver/reads_into.ts";
import { TransferFile } from "../../src/driver/transfer_file.ts";
import { openElsewhere } from "./open_check.ts";

/** What a write or a read reports: bytes moved and their SHA-256. */
export interface TransferResult {
  size: number;
  sha256: string;
}

/** What kind of target a path is. */
export type TargetKind = "file" | "device" | "missing";

/** The kind of `path` (a missing path is written as a new file). */
export async function targetKind(path: string): Promise<TargetKind> {
  try {
    const info = await Deno.stat(path);
    if (info.isBlockDevice || info.isCharDevice) return "device";
    if (info.isFile) return "file";
    throw new FailedPreconditionError(`Storage target "${path}" is neither a file nor a device`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}

/** Bytes a device holds (stat reports 0 for block devices, so seek to the end). */
export async function deviceSize(path: string): Promise<number> {
  using file = await Deno.open(path, { read: true });
  return await file.seek(0, Deno.SeekMode.End);
}

/** Formats bytes as `256 MiB` / `1.5 GiB` for messages. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}

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
   * flash overwrites (see the module doc); without it the replaced image is
   * freed, and a spare left from before is removed.
   */
  spare?: boolean;
}

/** The hidden name beside a file target `path` under which its spare is kept. */
export function spareName(path: string): string {
  return `${dirname(path)}/.${basename(path)}.spare`;
}

/** What a flash does with a file target's spare. */
export interface SpareUse {
  /** The spare opened for writing in place, when it can be reused. */
  file?: Deno.FsFile;
  /** Its inode, checked again before it is renamed over the target. */
  ino?: number | null;
  /** Whether the image the flash replaces becomes the next spare. */
  keep: boolean;
}

/**
 * The spare `spare`, opened for writing in place when it can be reused: a
 * regular file with no other name that no open file refers to. A spare that
 * is in use or has other names is left to them (the next spare is renamed
 * over its name). Where the kernel cannot say whether a file is in use (no
 * FFI, no leases), spares could never be reused, so none is kept.
 */
export async function openSpare(spare: string): Promise<SpareUse> {
  const info = await Deno.lstat(spare).catch(() => undefined);
  if (!info?.isFile || info.nlink !== 1) return { keep: true };
  const inUse = openElsewhere(spare);
  if (inUse === undefined) {
    Deno.remove(spare).catch(() => {});
    return { keep: false };
  }
  if (inUse) return { keep: true };
  const file = await Deno.open(spare, { write: true }).catch(() => undefined);
  if (!file) return { keep: true };
  const opened = await file.stat().catch(() => undefined);
  if (opened?.ino === info.ino && opened.nlink === 1) return { file, ino: info.ino, keep: true };
  file.close();
  return { keep: true };
}

/**
 * Renames `temp` over `path`. The replaced image keeps a second name, which
 * becomes `spare` when one is given, before this returns (the next flash
 * must find the spare as this one left it). Otherwise, or when that fails,
 * the second name is unlinked in the background: freeing a large file's
 * blocks and cached pages takes about as long as writing a tenth of it, and
 * the caller should not wait for it. Without hard links (vfat) it is a
 * plain rename.
 */
export async function replaceFile(temp: string, path: string, spare?: string): Promise<void> {
  const old = `${temp}.replaced`;
  let linked = false;
  try {
    await Deno.link(path, old);
    linked = true;
  } catch {
    // No previous image, or a file system without hard links.
  }
  try {
    await Deno.rename(temp, path);
  } catch (error) {
    if (linked) Deno.remove(old).catch(() => {});
    throw error;
  }
  if (!linked) return;
  const free = () => Deno.remove(old).catch(() => {});
  if (spare === undefined) return void free();
  await Deno.rename(old, spare).catch(free);
}

/** Bytes written to a file target between two background syncs (see `EarlySync`). */
const SYNC_EVERY = 16 * 1024 * 1024;

/**
 * Starts the writeback of a file target while its image is still arriving:
 * every `SYNC_EVERY` bytes, an fdatasync through a second handle, from a
 * thread, one at a time. The final fsync then has only the tail left to
 * write (per 64 MiB on a 2-core machine: 15 → 5 ms, the flash 75 → 70 ms);
 * it still runs, and it alone makes the image durable.
 */
export class EarlySync {
  readonly #file: Deno.FsFile;
  #syncing?: Promise<void>;
  #syncedAt = 0;
  #error: unknown;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  static async open(path: string): Promise<EarlySync> {
    return new EarlySync(await Deno.open(path, { read: true }));
  }

  /** Told the bytes written so far; starts a sync when due and none runs. */
  written(size: number): void {
    if (this.#syncing || size - this.#syncedAt < SYNC_EVERY) return;
    this.#syncedAt = size;
    this.#syncing = this.#file.syncData()
      .catch((error) => void (this.#error ??= error))
      .finally(() => void (this.#syncing = undefined));
  }

  /** Waits for the sync running and closes; a sync that failed fails the write. */
  async finish(): Promise<void> {
    await this.#syncing;
    this.close();
    if (this.#error !== undefined) throw this.#error;
  }

  close(): void {
    try {
      this.#file.close();
    } catch {
      // Closed already.
    }
  }
}

/** Bytes per direct read of an upload (see `chunks`). */
const DIRECT_READ = 256 * 1024;

/**
 * The chunks of `source`, null at its end: read straight into two buffers
 * taking turns when the transport offers it (`directReads`), else from
 * `reader`. The caller is done with a chunk (its write settled, its hash
 * taken) before asking for the one after next.
 */
function chunks(
  source: ReadableStream<Uint8Array>,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): () => Promise<Uint8Array | null> {
  const read = directReads(source);
  if (!read) return async () => (await reader.read()).value ?? null;
  const buffers = [new Uint8Array(DIRECT_READ), new Uint8Array(DIRECT_READ)];
  let turn = 0;
  return async () => {
    const buffer = buffers[turn++ % 2];
    const n = await read(buffer);
    return n === null ? null : buffer.subarray(0, n);
  };
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
  const next = chunks(source, reader);
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
