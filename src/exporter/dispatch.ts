/**
 * What every transport of an exporter does with a request, whatever carried
 * it: the gRPC service (`service.ts`) and the fast local channel
 * (`src/exporter/fast_server.ts`) both call these, so driver dispatch,
 * argument checks, resource bookkeeping and stream targets live in one place.
 * Errors are thrown as domain errors (`TypeError` for bad input); each
 * transport maps them to its wire form.
 *
 * @module
 */
import { decompressor, ENCODINGS } from "../compression.ts";
import { CANCEL, type Cancellable } from "../driver/cancellable.ts";
import type { Duplex } from "../driver/stream.ts";
import type { Exporter } from "./exporter.ts";
import type { OpenResource } from "./resources.ts";

/** What a byte-stream request (the gRPC `request` header, a fast-channel header) asks for. */
export type StreamTarget =
  | { kind: "driver"; uuid: string; method: string }
  | { kind: "resource"; uuid: string; encoding: string | null };

/** Reads a stream target from its JSON object form (upstream's `request` header). */
export function streamTargetOf(parsed: unknown, shown = JSON.stringify(parsed)): StreamTarget {
  const record = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (record.kind === "driver" && typeof record.uuid === "string") {
    return {
      kind: "driver",
      uuid: record.uuid,
      method: typeof record.method === "string" ? record.method : "connect",
    };
  }
  if (record.kind === "resource" && typeof record.uuid === "string") {
    const encoding = record.x_jmp_content_encoding;
    return {
      kind: "resource",
      uuid: record.uuid,
      encoding: typeof encoding === "string" ? encoding : null,
    };
  }
  throw new TypeError(
    `Stream "request" header must be {"kind":"driver"|"resource","uuid":...}, got ${shown}`,
  );
}

/** Parses the gRPC `request` header text. */
export function parseStreamTarget(header: string | null): StreamTarget {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header ?? "");
  } catch {
    throw new TypeError(
      `Stream call needs a "request" header with JSON, got ${JSON.stringify(header)}`,
    );
  }
  return streamTargetOf(parsed, header ?? "");
}

/** The decompressor the exporter applies to an upload with this content encoding. */
export function decoderFor(
  encoding: string | null,
): ReadableWritablePair<Uint8Array, Uint8Array> | undefined {
  if (encoding === null) return undefined;
  try {
    return decompressor(encoding);
  } catch (error) {
    if (error instanceof TypeError) {
      throw new TypeError(
        `Upload content encoding "${encoding}" is not supported; send it uncompressed or as ${
          ENCODINGS.join(", ")
        }`,
      );
    }
    throw error;
  }
}

/**
 * Ends an iteration when `signal` aborts, even while the source is waiting;
 * a source with a `CANCEL` function is told to stop its work.
 */
export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const cancel = (source as Partial<Cancellable<T>>)[CANCEL];
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    const stop = () => {
      resolve({ done: true, value: undefined });
      cancel?.call(source);
    };
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
  });
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void iterator.return?.()?.catch?.(() => {});
  }
}

/** Runs a unary driver method; resources passed as arguments are released when it ends. */
export async function callDriver(
  exporter: Exporter,
  uuid: string,
  method: string,
  args: unknown[],
): Promise<unknown> {
  try {
    return await exporter.tree.method(uuid, method, "unary", args)();
  } finally {
    exporter.resources.release(args);
  }
}

/**
 * Runs a streaming driver method until it ends or `signal` aborts. The method
 * is looked up (and its arguments checked) before the first item is asked
 * for, so a bad call fails on the first `next()`.
 */
export async function* streamDriver(
  exporter: Exporter,
  uuid: string,
  method: string,
  args: unknown[],
  signal: AbortSignal,
): AsyncGenerator<unknown> {
  try {
    const run = exporter.tree.method(uuid, method, "streaming", args);
    yield* untilAborted(run() as AsyncIterable<unknown>, signal);
  } finally {
    exporter.resources.release(args);
  }
}

/** Opens a driver's byte stream (its `@byteStream` method). */
export async function openDriverStream(
  exporter: Exporter,
  uuid: string,
  method: string,
): Promise<Duplex> {
  return await (exporter.tree.method(uuid, method, "stream", [])() as Promise<Duplex>);
}

/**
 * Registers a resource for the driver `uuid`: `incoming` (expanded when it
 * carries a content encoding) is what a driver method reads through the
 * handle. Throws before registering when the driver or encoding is unknown.
 */
export function openResource(
  exporter: Exporter,
  target: { uuid: string; encoding: string | null },
  incoming: ReadableStream<Uint8Array>,
): OpenResource {
  exporter.tree.get(target.uuid);
  const decoder = decoderFor(target.encoding);
  return exporter.resources.add(decoder ? incoming.pipeThrough(decoder) : incoming);
}
