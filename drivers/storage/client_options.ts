/**
 * The options of `StorageClient`'s transfers (`write`, `flash`, `dump`) and
 * the result a checked transfer gives.
 *
 * @module
 */
import type { ProgressCallback, UploadOptions } from "../../src/client/resource_transfer.ts";

/** Options of `write()`. */
export interface WriteOptions {
  /** Called as bytes leave, with the file size as total. */
  onProgress?: ProgressCallback;
  /**
   * The file is compressed this way and the exporter expands it. Default: from
   * the file name (`.gz`, `.xz`, `.zst`, `.bz2`); null sends it as it is.
   */
  encoding?: UploadOptions["encoding"];
  /**
   * Compare the sha256 of the image (expanded, if compressed) with the one the
   * driver reports, and fail on a mismatch (default true).
   */
  verify?: boolean;
}

/** Options of `dump()`. */
export interface DumpOptions {
  /** The flasher's target (partition or device); drivers with one target ignore it. */
  target?: string;
  /** Called as bytes arrive (total unknown). */
  onProgress?: ProgressCallback;
}

/** A transfer result from a driver that reports `size` and `sha256`, once checked. */
export interface VerifiedResult {
  size: number;
  sha256: string;
  /** True when the local sha256 was compared and matched. */
  verified: boolean;
}

/** Options of `flash()`. */
export interface FlashOptions extends WriteOptions {
  /** The flasher's target (partition or device); drivers with one target ignore it. */
  target?: string;
}
