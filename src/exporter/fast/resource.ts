/**
 * A resource (an upload or download) on its own fast-channel connection,
 * exporter side.
 *
 * @module
 */
import { writeAll } from "../../driver/write_all.ts";
import type { ByteConn } from "../../transport/byte_conn.ts";
import { connDuplex } from "../../transport/conn_duplex.ts";
import { encodeMessage } from "../../transport/fast/opening.ts";
import { openResource } from "../dispatch.ts";
import type { Exporter } from "../exporter.ts";
import type { OpenResource } from "../resources.ts";
import { answer, errorAnswer } from "./answers.ts";
import type { TrackedStreams } from "./tracked_streams.ts";

/**
 * Serves a resource: what the client sends is offered (expanded) to the
 * driver method that gets the handle, its end confirmed by the session's
 * DONE; what that method writes goes back until the method is done with it,
 * which ends the connection (as the gRPC call ends).
 */
export async function serveResource(
  conn: ByteConn,
  exporter: Exporter,
  target: { uuid: string; encoding: string | null },
  streams: TrackedStreams,
): Promise<void> {
  let id = "";
  const socket = connDuplex(conn, {
    beforeEnd: () => streams.confirmed(id),
    // A plain upload can be read straight into the driver's buffers; an encoded one
    // goes through the decoder, which reads the stream.
    directReads: target.encoding === null,
  });
  let resource: OpenResource;
  try {
    resource = openResource(exporter, target, socket.readable);
  } catch (error) {
    await answer(conn, errorAnswer(error));
    return;
  }
  id = resource.handle.uuid;
  const untrack = streams.track(id, { close: socket.close, resource });
  try {
    await writeAll(conn, encodeMessage({ ok: true, stream: id, resource: resource.handle }));
    await resource.outgoing.pipeTo(socket.writable);
  } catch (error) {
    resource.fail(error);
  } finally {
    untrack();
    socket.close();
    exporter.resources.delete(id);
  }
}
