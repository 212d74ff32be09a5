/**
 * Resource transfers between a client and a driver: an upload's options and
 * progress, the running upload, and the running download.
 *
 * @module
 */
import type { ResourceHandle } from "../driver/resource_handle.ts";

/** Progress of an upload, called as bytes leave the client. */
export type ProgressCallback = (sent: number, total: number | undefined) => void;

/**
 * Options for a resource upload.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type UploadOptions,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * const image = new Uint8Array(64 * 1024);
 * const options: UploadOptions = {
 *   size: image.byteLength,
 *   onProgress: (sent, total) => console.log(`${sent}/${total} bytes`),
 * };
 * const upload = await dut.storage.upload(ReadableStream.from([image]), options);
 * await dut.storage.call("flash", upload.handle);
 * await upload.done;
 * ```
 */
export interface UploadOptions {
  /** Total size in bytes, for progress. */
  size?: number;
  /** Content encoding the exporter decompresses (`gzip`, `xz`, `bz2`, `zstd`). */
  encoding?: "gzip" | "xz" | "bz2" | "zstd" | null;
  onProgress?: ProgressCallback;
}

/**
 * A running upload: pass `handle` to a driver method while `done` settles.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type Upload,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * const upload: Upload = await dut.storage.upload(ReadableStream.from([new Uint8Array(4096)]));
 * const { size } = await dut.storage.call<{ size: number }>("write", upload.handle);
 * assert.equal(size, 4096);
 * assert.equal(await upload.done, 4096); // bytes sent
 * ```
 */
export interface Upload {
  handle: ResourceHandle;
  /** Resolves when every byte was sent and the exporter closed the stream. */
  done: Promise<number>;
}

/** A running download: pass `handle` to a driver method and read `readable`. */
export interface Download {
  handle: ResourceHandle;
  /** The bytes the driver writes through the handle; ends when the driver is done. */
  readable: ReadableStream<Uint8Array>;
}
