/**
 * Saving a download from a storage driver to a local file that appears only
 * once complete and matching the size and sha256 the driver reports.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import type { ProgressCallback } from "../../src/client/resource_transfer.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { writeAll } from "../../src/driver/write_all.ts";

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
