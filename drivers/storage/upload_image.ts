/**
 * Uploading a local image to a storage driver's method, checked: the
 * image's own sha256 (as it expands, when compressed) is compared with the
 * one the driver reports, and a local read error is reported as the cause.
 *
 * @module
 */
import type { DriverClient } from "../../src/client/driver_client.ts";
import type { Upload } from "../../src/client/resource_transfer.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { checkEncoding, decompressor, encodingOfPath } from "../../src/compression.ts";
import type { WriteOptions } from "./client_options.ts";
import { ImageDigest } from "./image_digest.ts";
import { LocalImage } from "./local_image.ts";

/**
 * Uploads the local image `path` while `client`'s `method(handle, ...args)`
 * consumes it. A failed call cancels the upload and is reported; so is a
 * local read error, which is the real cause when the driver then sees a
 * broken stream. A result with a `sha256` is checked against the image's own.
 */
export async function uploadImage<T>(
  client: DriverClient,
  path: string,
  method: string,
  args: unknown[],
  options: WriteOptions,
): Promise<T> {
  const encoding = options.encoding === undefined
    ? encodingOfPath(path)
    : options.encoding === null
    ? null
    : checkEncoding(options.encoding);
  // An image sent as it is gets hashed as it is read; a compressed one, as it expands.
  const plain = options.verify !== false && encoding === null ? new ImageDigest() : undefined;
  const local = await LocalImage.open(path, plain?.update);
  const digest = options.verify === false
    ? undefined
    : encoding === null
    ? plain
    : await ImageDigest.expanding(path, () => decompressor(encoding));
  let upload: Upload;
  try {
    upload = await client.upload(local.readable, {
      size: local.size,
      onProgress: options.onProgress,
      encoding,
    });
  } catch (error) {
    local.cancel();
    await digest?.cancel();
    throw error;
  }
  const call = client.call<T>(method, upload.handle, ...args);
  call.catch(() => {
    local.cancel();
    digest?.cancel();
  });
  const [result, uploaded] = await Promise.allSettled([call, upload.done]);
  if (local.readError !== undefined) {
    await digest?.cancel();
    throw new Error(`Cannot read image "${path}": ${messageOf(local.readError)}`, {
      cause: local.readError,
    });
  }
  if (result.status === "rejected") throw result.reason;
  if (uploaded.status === "rejected") {
    await digest?.cancel();
    throw new Error(`Upload of "${path}" failed: ${messageOf(uploaded.reason)}`, {
      cause: uploaded.reason,
    });
  }
  const reported = result.value as { sha256?: unknown } | null;
  if (!digest || typeof reported?.sha256 !== "string") {
    await digest?.cancel();
    return result.value;
  }
  const local256 = await digest.result();
  if (local256 !== reported.sha256) {
    throw new DriverError(
      "data_loss",
      `Checksum mismatch after writing "${path}" to storage "${client.name}": the image's sha256 is ${local256} but the storage reports ${reported.sha256}; do not trust what the storage holds, flash it again`,
    );
  }
  return { ...reported, verified: true } as T;
}
