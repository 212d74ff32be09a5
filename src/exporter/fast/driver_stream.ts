/**
 * A driver's byte stream on its own fast-channel connection, exporter side:
 * the driver's duplex opened, the answer sent (saying whether chunks travel
 * as messages), then both directions pumped until both end.
 *
 * @module
 */
import { chunksReleased } from "../../driver/releases_chunks.ts";
import { hasMessageChunks } from "../../driver/message_chunks.ts";
import { writeAll } from "../../driver/write_all.ts";
import type { ByteConn } from "../../transport/byte_conn.ts";
import { connDuplex } from "../../transport/conn_duplex.ts";
import { encodeMessage } from "../../transport/fast/opening.ts";
import { openDriverStream } from "../dispatch.ts";
import type { Exporter } from "../exporter.ts";
import { answer, errorAnswer } from "./answers.ts";
import type { TrackedStreams } from "./tracked_streams.ts";

/** Serves a driver's byte stream: both directions pumped until both end. */
export async function serveStream(
  conn: ByteConn,
  exporter: Exporter,
  target: { uuid: string; method: string },
  streams: TrackedStreams,
): Promise<void> {
  let duplex;
  try {
    duplex = await openDriverStream(exporter, target.uuid, target.method);
  } catch (error) {
    await answer(conn, errorAnswer(error));
    return;
  }
  const id = crypto.randomUUID();
  const messages = hasMessageChunks(duplex);
  const socket = connDuplex(conn, { messages });
  const untrack = streams.track(id, { close: socket.close });
  try {
    await writeAll(conn, encodeMessage({ ok: true, stream: id, ...messages && { messages } }));
    await Promise.allSettled([
      // A driver that is done with each chunk once written gets the bytes in reused buffers.
      !messages && chunksReleased(duplex.writable)
        ? socket.pumpTo(duplex.writable)
        : socket.readable.pipeTo(duplex.writable),
      duplex.readable.pipeTo(socket.writable),
    ]);
  } catch (error) {
    // The client left before the answer: end the driver's side too.
    await Promise.allSettled([duplex.writable.abort(error), duplex.readable.cancel(error)]);
  } finally {
    untrack();
    socket.close();
  }
}
