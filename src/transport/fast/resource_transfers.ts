/**
 * Resources on the fast channel, client side: an upload pushes a source
 * into a resource connection (reading a local file straight into the
 * connection's buffers when it can) and a download reads what the driver
 * writes; each connection is confirmed (DONE) when its data ended.
 *
 * @module
 */
import type { ResourceHandle } from "../../driver/resource_handle.ts";
import { UnavailableError } from "../../driver/errors.ts";
import { directReads } from "../../driver/reads_into.ts";
import { closeQuietly } from "../byte_conn.ts";
import { VERSION } from "./protocol.ts";
import type { SessionStreams } from "./session_streams.ts";

/** Upload options, as `ClientSession.upload` takes them. */
export interface FastUploadOptions {
  size?: number;
  encoding?: string | null;
  onProgress?: (sent: number, total: number | undefined) => void;
}

/** Uploads `source` as a resource for driver `uuid` on the session of `streams`. */
export async function upload(
  streams: SessionStreams,
  uuid: string,
  source: ReadableStream<Uint8Array>,
  options: FastUploadOptions = {},
): Promise<{ handle: ResourceHandle; done: Promise<number> }> {
  const { conn, answer } = await streams.open({
    v: VERSION,
    kind: "resource",
    uuid,
    x_jmp_content_encoding: options.encoding ?? null,
    session: streams.session,
  });
  if (!answer.resource) {
    closeQuietly(conn);
    throw new UnavailableError("The exporter answered without a resource handle");
  }
  let sent = 0;
  const duplex = streams.duplex(conn, answer.stream ?? answer.resource.uuid, {
    confirm: true,
    onWrite: (bytes) => {
      sent += bytes;
      options.onProgress?.(sent, options.size);
    },
  });
  // A source that can be read into our buffers (a local file) skips the stream's chunks.
  const read = directReads(source);
  const push = read
    ? duplex.pumpFrom(read).catch(async (error) => {
      await source.cancel(error).catch(() => {});
      throw error;
    })
    : source.pipeTo(duplex.writable);
  const done = (async () => {
    const [pushed, answered] = await Promise.allSettled([
      push,
      duplex.readable.pipeTo(new WritableStream()),
    ]);
    if (pushed.status === "rejected") throw pushed.reason;
    if (answered.status === "rejected") throw answered.reason;
    return sent;
  })();
  // The caller awaits `done` beside the driver call; never leave it unhandled meanwhile.
  done.catch(() => {});
  return { handle: answer.resource, done };
}

/** Opens a resource the driver writes into; its bytes arrive on `readable`. */
export async function download(
  streams: SessionStreams,
  uuid: string,
): Promise<{ handle: ResourceHandle; readable: ReadableStream<Uint8Array> }> {
  const { conn, answer } = await streams.open({
    v: VERSION,
    kind: "resource",
    uuid,
    x_jmp_content_encoding: null,
    session: streams.session,
  });
  if (!answer.resource) {
    closeQuietly(conn);
    throw new UnavailableError("The exporter answered without a resource handle");
  }
  const duplex = streams.duplex(conn, answer.stream ?? answer.resource.uuid, { confirm: true });
  // Nothing to send: end our side at once (the exporter keeps its side open for the driver).
  duplex.writable.close().catch(() => {});
  return { handle: answer.resource, readable: duplex.readable };
}
