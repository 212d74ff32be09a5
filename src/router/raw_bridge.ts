/**
 * A gRPC side of a router stream paired with a raw side: the raw
 * connection's bytes become DATA frames of the gRPC Stream, and its DATA
 * frames the connection's bytes; GOAWAY and RST_STREAM end it as they end
 * a stream between two gRPC sides.
 *
 * @module
 */
import { FrameType } from "../gen/jumpstarter/v1/router_pb.ts";
import { writeAll } from "../driver/write_all.ts";
import { type Frame, GOAWAY_FRAME, MAX_FRAME } from "../transport/frames.ts";
import type { Side } from "./side.ts";

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
  const pump = (async () => {
    try {
      for await (const frame of me.requests!) {
        if (frame.frameType === FrameType.DATA && frame.payload.byteLength > 0) {
          await writeAll(conn, frame.payload);
        } else if (frame.frameType === FrameType.GOAWAY) break;
        else if (frame.frameType === FrameType.RST_STREAM) return conn.close();
      }
      // Either side ending ends the stream (as between two gRPC sides): flush, then close.
      await conn.closeWrite();
    } catch {
      // The peer or the lease ended.
    }
    conn.close();
  })();
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
  } finally {
    signal.removeEventListener("abort", cut);
    conn.close();
    void pump;
    peer.done?.resolve();
    count(bytes);
  }
}
