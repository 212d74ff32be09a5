/**
 * Resources opened by clients and waiting for a driver method to use them
 * (upstream's `client_stream` handles). A resource carries bytes both ways:
 * an upload the driver reads (`open()`, for `write`/`flash`) and a download
 * the driver writes (`writer()`, for `read`/`dump`). Each side is taken at
 * most once. The stream back to the client ends when the driver closes the
 * writer or when the method that received the handle returns.
 *
 * @module
 */
import type { ResourceHandle } from "../driver/resource_handle.ts";

interface Entry {
  incoming: ReadableStream<Uint8Array>;
  outgoing: TransformStream<Uint8Array, Uint8Array>;
  /** Our own writer on `outgoing`, so a release can end it whatever the driver did. */
  sink: WritableStreamDefaultWriter<Uint8Array>;
  ended: boolean;
  readerTaken: boolean;
  writerTaken: boolean;
  released: boolean;
}

/** One registered resource as the stream handler sees it. */
export interface OpenResource {
  handle: ResourceHandle;
  /** What the driver writes for the client; ends when the resource is released. */
  outgoing: ReadableStream<Uint8Array>;
  /** Ends the resource with an error (the client reset or left). */
  fail(reason: unknown): void;
}

function uuidOf(handle: unknown): string | undefined {
  if (typeof handle !== "object" || handle === null) return undefined;
  const record = handle as Record<string, unknown>;
  return record.kind === "client_stream" && typeof record.uuid === "string"
    ? record.uuid
    : undefined;
}

/** Ends the stream back to the client: closed, or errored with `reason`. */
function end(entry: Entry, reason?: unknown): Promise<void> {
  if (entry.ended) return Promise.resolve();
  entry.ended = true;
  const done = reason === undefined ? entry.sink.close() : entry.sink.abort(reason);
  return done.catch(() => {});
}

/** Resources by uuid. */
export class ResourceTable {
  readonly #entries = new Map<string, Entry>();

  /** Registers a resource whose client-sent bytes arrive on `incoming`. */
  add(incoming: ReadableStream<Uint8Array>): OpenResource {
    const uuid = crypto.randomUUID();
    const outgoing = new TransformStream<Uint8Array, Uint8Array>(
      undefined,
      new CountQueuingStrategy({ highWaterMark: 8 }),
      new CountQueuingStrategy({ highWaterMark: 8 }),
    );
    const entry: Entry = {
      incoming,
      outgoing,
      sink: outgoing.writable.getWriter(),
      ended: false,
      readerTaken: false,
      writerTaken: false,
      released: false,
    };
    this.#entries.set(uuid, entry);
    return {
      handle: { kind: "client_stream", uuid },
      outgoing: entry.outgoing.readable,
      fail: (reason) => {
        entry.released = true;
        end(entry, reason);
        if (!entry.readerTaken) entry.incoming.cancel(reason).catch(() => {});
      },
    };
  }

  /** Forgets a resource whose stream ended. */
  delete(uuid: string): void {
    this.#entries.delete(uuid);
  }

  #entry(handle: unknown): Entry {
    const uuid = uuidOf(handle);
    if (uuid === undefined) {
      throw new TypeError(
        `Expected a resource handle {kind: "client_stream", uuid}, got ${JSON.stringify(handle)}`,
      );
    }
    const entry = this.#entries.get(uuid);
    if (!entry || entry.released) {
      throw new TypeError(`Resource "${uuid}" is unknown or was already used`);
    }
    return entry;
  }

  /** Takes the bytes the client sends through a handle passed as a method argument. */
  open(handle: unknown): ReadableStream<Uint8Array> {
    const entry = this.#entry(handle);
    if (entry.readerTaken) {
      throw new TypeError(`Resource "${uuidOf(handle)}" was already read`);
    }
    entry.readerTaken = true;
    return entry.incoming;
  }

  /** Takes the writable whose bytes go back to the client through the handle. */
  writer(handle: unknown): WritableStream<Uint8Array> {
    const entry = this.#entry(handle);
    if (entry.writerTaken) {
      throw new TypeError(`Resource "${uuidOf(handle)}" already has a writer`);
    }
    entry.writerTaken = true;
    return new WritableStream<Uint8Array>({
      write: (chunk) => entry.sink.write(chunk),
      close: () => end(entry),
      abort: (reason) => end(entry, reason ?? new Error("The driver aborted the download")),
    });
  }

  /**
   * Releases the resources among a finished method's arguments: the stream
   * back to the client ends (a writer the driver left open is closed) and
   * an upload nobody read is cancelled.
   */
  release(args: readonly unknown[]): void {
    for (const arg of args) {
      const uuid = uuidOf(arg);
      const entry = uuid === undefined ? undefined : this.#entries.get(uuid);
      if (!entry || entry.released) continue;
      entry.released = true;
      if (!entry.readerTaken) entry.incoming.cancel().catch(() => {});
      void end(entry);
    }
  }
}
