/**
 * What a driver client needs from a connection to an exporter: the
 * transport-neutral session that `GrpcSession` (gRPC or the fast channel)
 * and test fakes implement.
 *
 * @module
 */
import type { JsonValue } from "../driver/json_value.ts";
import type { Duplex } from "../driver/stream.ts";
import type { Download, Upload, UploadOptions } from "./resource_transfer.ts";

/** What a driver client needs from a connection to an exporter. */
export interface ClientSession {
  call(uuid: string, method: string, args: unknown[]): Promise<JsonValue>;
  streamingCall(
    uuid: string,
    method: string,
    args: unknown[],
    signal?: AbortSignal,
  ): AsyncIterable<JsonValue>;
  openStream(uuid: string, method: string): Promise<Duplex>;
  upload(
    uuid: string,
    source: ReadableStream<Uint8Array>,
    options?: UploadOptions,
  ): Promise<Upload>;
  /** Opens a resource the driver writes into (sessions without downloads omit it). */
  download?(uuid: string): Promise<Download>;
}
