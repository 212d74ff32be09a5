/**
 * `ImageDigest`: the sha256 of an image as the storage will hold it
 * (expanded, when compressed), computed on the client alongside the upload
 * so the driver's reported sha256 can be checked.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { FailedPreconditionError } from "../../src/driver/errors.ts";

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
