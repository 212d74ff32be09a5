/**
 * An uploaded image staged in a temporary file for a flashing tool, which
 * needs a path: its size and SHA-256 taken on the way, and a name ending
 * that says what it is (`.elf`, `.hex`, `.uf2`, `.bin`), since tools pick
 * the format from it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** The kinds of image a flasher may be given. */
export type ImageFormat = "elf" | "hex" | "uf2" | "bin";

/** The format of an image from its first bytes. */
export function imageFormat(head: Uint8Array): ImageFormat {
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return "elf";
  if (head[0] === 0x55 && head[1] === 0x46 && head[2] === 0x32 && head[3] === 0x0a) return "uf2";
  if (head[0] === 0x3a && /^:[0-9A-Fa-f]{8}/.test(new TextDecoder().decode(head.subarray(0, 9)))) {
    return "hex";
  }
  return "bin";
}

/** A staged image; `remove()` deletes it (and its directory). */
export interface StagedImage {
  path: string;
  format: ImageFormat;
  size: number;
  sha256: string;
  remove(): Promise<void>;
}

/** Writes `source` to a fresh temporary file, hashing it on the way. */
export async function stageImage(source: ReadableStream<Uint8Array>): Promise<StagedImage> {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-flash-" });
  const remove = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  const partial = join(dir, "image.part");
  const hash = createHash("sha256");
  let size = 0;
  let head = new Uint8Array(0);
  try {
    const file = await Deno.open(partial, { write: true, create: true, truncate: true });
    try {
      for await (const chunk of source) {
        if (head.byteLength < 16) head = new Uint8Array([...head, ...chunk.subarray(0, 16)]);
        hash.update(chunk);
        size += chunk.byteLength;
        for (let at = 0; at < chunk.byteLength;) at += await file.write(chunk.subarray(at));
      }
    } finally {
      file.close();
    }
    const format = imageFormat(head);
    const path = join(dir, `image.${format}`);
    await Deno.rename(partial, path);
    return { path, format, size, sha256: hash.digest("hex"), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
