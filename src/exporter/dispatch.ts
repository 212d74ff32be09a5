/**
 * What every transport of an exporter does with a request, whatever carried
 * it: the gRPC service (`service.ts`) and the fast local channel
 * (`fast/`) both call these, so driver dispatch, argument checks
 * and resource bookkeeping live in one place (and stream targets, in
 * `stream_target.ts`).
 * Errors are thrown as domain errors (`TypeError` for bad input); each
 * transport maps them to its wire form.
 *
 * @module
 */
import { decompressor, ENCODINGS } from "../compression.ts";
import type { Duplex } from "../driver/stream.ts";
import type { Exporter } from "./exporter.ts";
import type { OpenResource } from "./resources.ts";
import { untilAborted } from "./until_aborted.ts";

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
