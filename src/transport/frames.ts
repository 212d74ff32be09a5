/**
 * Adapts the wire-compatible RouterService.Stream frames (DATA, PING, GOAWAY,
 * RST_STREAM) to and from Web byte streams. Both the exporter and the client
 * use it; a faster channel replaces this layer, not its callers.
 *
 * @module
 */
import { FrameType } from "../gen/jumpstarter/v1/router_pb.ts";

/** One Stream frame as both directions carry it. */
export interface Frame {
  payload: Uint8Array;
  frameType: FrameType;
}

const empty = new Uint8Array(0);

/** A PING frame: sent first so response headers leave at once (upstream waits for them). */
export const PING_FRAME: Frame = { payload: empty, frameType: FrameType.PING };
/** A GOAWAY frame: end of data in this direction. */
export const GOAWAY_FRAME: Frame = { payload: empty, frameType: FrameType.GOAWAY };

/** Raised into a writable when the peer resets the stream. */
export class StreamResetError extends Error {
  constructor() {
    super("The peer reset the stream");
    this.name = "StreamResetError";
  }
}

/**
 * Writes the DATA payloads of incoming frames to `writable`; closes it on GOAWAY
 * or at the end of the frames, aborts it on RST_STREAM or error.
 */
export async function pumpFramesInto(
  frames: AsyncIterable<Frame>,
  writable: WritableStream<Uint8Array>,
): Promise<void> {
  const writer = writable.getWriter();
  try {
    for await (const frame of frames) {
      if (frame.frameType === FrameType.DATA) {
        if (frame.payload.byteLength > 0) await writer.write(frame.payload);
      } else if (frame.frameType === FrameType.GOAWAY) {
        break;
      } else if (frame.frameType === FrameType.RST_STREAM) {
        throw new StreamResetError();
      }
    }
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    throw error;
  } finally {
    writer.releaseLock();
  }
}

/** Largest DATA payload sent (well under gRPC's 4 MiB default message limit). */
export const MAX_FRAME = 256 * 1024;

/** Turns a byte stream into DATA frames followed by one GOAWAY. */
export async function* framesFrom(readable: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  for await (const chunk of readable) {
    if (chunk.byteLength <= MAX_FRAME) {
      yield { payload: chunk, frameType: FrameType.DATA };
      continue;
    }
    for (let offset = 0; offset < chunk.byteLength; offset += MAX_FRAME) {
      yield { payload: chunk.subarray(offset, offset + MAX_FRAME), frameType: FrameType.DATA };
    }
  }
  yield GOAWAY_FRAME;
}
