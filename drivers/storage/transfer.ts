/**
 * The client's side of checked transfers: the sha256 of an image as the
 * storage will hold it (expanded, when compressed) and saving a download
 * to a file that appears only once complete and verified.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import type { ProgressCallback } from "../../src/client/driver_client.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { writeAll } from "../../src/driver/write_all.ts";

/**
 * The sha256 of an image. Uncompressed: fed with `update` as the image is
 * read for the upload. Compressed (`expanding`): the file is read a second
 * time through a local decompressor, alongside the upload.
 */
export class ImageDigest {
  readonly #hash = createHash("sha256");
  #background?: Promise<string | undefined>;
  #stop?: () => Promise<void>;

  /** Adds bytes read from an image sent as it is. */
  readonly update = (bytes: Uint8Array): void => void this.#hash.update(bytes);

  /**
   * Hashes what `path` expands to, in the background. Without the local tool
   * (xz, zstd, bzip2) the digest is unknown and `result()` gives undefined.
   */
  static async expanding(
    path: string,
    decompressor: () => ReadableWritablePair<Uint8Array, Uint8Array>,
  ): Promise<ImageDigest> {
    const digest = new ImageDigest();
    let pair: ReadableWritablePair<Uint8Array, Uint8Array>;
    try {
      pair = decompressor();
    } catch (error) {
      if (!(error instanceof FailedPreconditionError)) throw error;
      digest.#background = Promise.resolve(undefined);
      return digest;
    }
    const file = await Deno.open(path);
    const expanded = file.readable.pipeThrough(pair);
    const reader = expanded.getReader();
    digest.#stop = async () => {
      await reader.cancel().catch(() => {});
    };
    digest.#background = (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return digest.#hash.digest("hex");
        digest.#hash.update(value);
      }
    })();
    digest.#background.catch(() => {});
    return digest;
  }

  /** The hex sha256 once the image was read to the end (undefined if it cannot be known). */
  result(): Promise<string | undefined> {
    return this.#background ?? Promise.resolve(this.#hash.digest("hex"));
  }

  /** Stops background hashing. */
  async cancel(): Promise<void> {
    await this.#stop?.();
    await this.#background?.catch(() => {});
  }
}

/**
 * Writes `readable` to a temporary file beside `path` while `call` runs;
 * renames it to `path` only when both succeeded and the sha256 (and size)
 * the driver reports match what arrived.
 */
export async function saveDownload<T>(
  readable: ReadableStream<Uint8Array>,
  call: Promise<T>,
  path: string,
  options: { onProgress?: ProgressCallback; label: string },
): Promise<T> {
  let temp: string;
  let file: Deno.FsFile;
  try {
    temp = await Deno.makeTempFile({
      dir: dirname(path),
      prefix: `.${basename(path)}.`,
      suffix: ".partial",
    });
    file = await Deno.open(temp, { write: true });
  } catch (error) {
    await readable.cancel().catch(() => {});
    call.catch(() => {});
    throw new Error(`Cannot create "${path}": ${messageOf(error)}`, { cause: error });
  }
  const hash = createHash("sha256");
  let size = 0;
  const copying = (async () => {
    for await (const chunk of readable) {
      await writeAll(file, chunk);
      hash.update(chunk);
      size += chunk.byteLength;
      options.onProgress?.(size, undefined);
    }
  })();
  const [result, copied] = await Promise.allSettled([call, copying]);
  file.close();
  let keep = false;
  try {
    if (result.status === "rejected") throw result.reason;
    if (copied.status === "rejected") {
      throw new Error(`Download to "${path}" failed: ${messageOf(copied.reason)}`, {
        cause: copied.reason,
      });
    }
    const reported = result.value as { sha256?: unknown; size?: unknown } | null;
    const local = hash.digest("hex");
    if (typeof reported?.size === "number" && reported.size !== size) {
      throw new DriverError(
        "data_loss",
        `Download from ${options.label} is incomplete: ${size} of ${reported.size} bytes arrived; "${path}" was not written`,
      );
    }
    if (typeof reported?.sha256 === "string" && reported.sha256 !== local) {
      throw new DriverError(
        "data_loss",
        `Checksum mismatch on the download from ${options.label}: it reports sha256 ${reported.sha256} but ${local} arrived; "${path}" was not written`,
      );
    }
    await Deno.rename(temp, path);
    keep = true;
    if (typeof reported?.sha256 !== "string") return result.value;
    return { ...reported, verified: true } as T;
  } finally {
    if (!keep) await Deno.remove(temp).catch(() => {});
  }
}
