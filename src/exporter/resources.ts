/**
 * Resources uploaded by clients and waiting for a driver method to consume
 * them. A handle is single-use: the first `open()` takes the stream.
 *
 * @module
 */
import type { ResourceHandle } from "../driver/driver.ts";

/** Uploaded streams by resource uuid. */
export class ResourceTable {
  readonly #streams = new Map<string, ReadableStream<Uint8Array>>();

  /** Registers an incoming upload; returns its handle. */
  add(readable: ReadableStream<Uint8Array>): ResourceHandle {
    const uuid = crypto.randomUUID();
    this.#streams.set(uuid, readable);
    return { kind: "client_stream", uuid };
  }

  /** Forgets an upload that ended before any method took it. */
  delete(uuid: string): void {
    this.#streams.delete(uuid);
  }

  /** Takes the stream behind a handle passed as a method argument. */
  open(handle: unknown): ReadableStream<Uint8Array> {
    const uuid = typeof handle === "object" && handle !== null &&
        (handle as Record<string, unknown>).kind === "client_stream"
      ? (handle as Record<string, unknown>).uuid
      : undefined;
    if (typeof uuid !== "string") {
      throw new TypeError(
        `Expected a resource handle {kind: "client_stream", uuid}, got ${JSON.stringify(handle)}`,
      );
    }
    const stream = this.#streams.get(uuid);
    if (!stream) throw new TypeError(`Resource "${uuid}" is unknown or was already used`);
    this.#streams.delete(uuid);
    return stream;
  }
}
