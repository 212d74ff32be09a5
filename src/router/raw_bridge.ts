/**
 * A gRPC side of a router stream paired with a raw side: the raw
 * connection's bytes become DATA frames of the gRPC Stream, and its DATA
 * frames the connection's bytes. A GOAWAY (or the end of the gRPC side's
 * requests) half-closes the connection, the connection's end of data is a
 * GOAWAY, and the call ends once both directions have; RST_STREAM ends it
 * at once.
 *
 * @module
 */
import { FrameType } from "../gen/jumpstarter/v1/router_pb.ts";
import { writeAll } from "../driver/write_all.ts";
import { type Frame, GOAWAY_FRAME, MAX_FRAME } from "../transport/frames.ts";
import { cutOf, type Side } from "./side.ts";

/** Writes my DATA frames to the raw connection until my end of data; then half-closes it. */
async function pumpInto(me: Side, conn: NonNullable<Side["conn"]>): Promise<void> {
  let open = true;
  try {
    for await (const frame of me.requests!) {
      if (!open) continue; // After GOAWAY: drain until the requests end.
      if (frame.frameType === FrameType.DATA && frame.payload.byteLength > 0) {
        await writeAll(conn, frame.payload);
      } else if (frame.frameType === FrameType.GOAWAY) {
        open = false;
        await conn.closeWrite();
      } else if (frame.frameType === FrameType.RST_STREAM) {
        return conn.close();
      }
    }
    if (open) await conn.closeWrite();
  } catch {
    // The peer or the lease ended.
    conn.close();
  }
}

/** Bridges my gRPC stream with a raw peer: its bytes become my DATA frames and mine its bytes. */
export async function* bridgeRaw(
  peer: Side,
  me: Side,
  count: (bytes: number) => void,
): AsyncGenerator<Frame> {
  const conn = peer.conn!;
  const cut = () => conn.close();
  const signal = AbortSignal.any([me.cut.signal, peer.cut.signal]);
  signal.addEventListener("abort", cut, { once: true });
  const pump = pumpInto(me, conn);
  let bytes = 0;
  try {
    while (true) {
      const buffer = new Uint8Array(MAX_FRAME);
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch {
        // A connection closed under us (the peer or the lease ended) is the end of its data.
        n = null;
      }
      if (n === null) break;
      bytes += n;
      yield { payload: buffer.subarray(0, n), frameType: FrameType.DATA };
    }
    yield GOAWAY_FRAME;
    // My call stays open until my own sending is done too (half-close).
    await Promise.race([pump, cutOf(me), cutOf(peer)]).catch(() => {});
  } finally {
    signal.removeEventListener("abort", cut);
    conn.close();
    peer.done?.resolve();
    count(bytes);
  }
}
