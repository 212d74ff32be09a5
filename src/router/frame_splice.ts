/**
 * Two gRPC sides of a router stream paired: each side's frames are yielded
 * to the other. A side's call ends when both directions have ended (a
 * half-close passes through: a GOAWAY and the end of one side's requests do
 * not end the other side's sending, as with upstream's router), or when
 * either is cut.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Frame } from "../transport/frames.ts";
import type { Side } from "./side.ts";

/** Yields the peer's frames to me until both directions are done or either side is cut. */
export async function* spliceFrames(
  peer: Side,
  me: Side,
  count: (bytes: number) => void,
): AsyncGenerator<Frame> {
  const iterator = peer.requests![Symbol.asyncIterator]();
  const cut = new Promise<never>((_, reject) => {
    const stop = () => reject(me.cut.signal.reason ?? peer.cut.signal.reason);
    if (me.cut.signal.aborted || peer.cut.signal.aborted) return stop();
    me.cut.signal.addEventListener("abort", stop, { once: true });
    peer.cut.signal.addEventListener("abort", stop, { once: true });
  });
  cut.catch(() => {});
  let bytes = 0;
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), cut]);
      if (next.done) break;
      bytes += next.value.payload.byteLength;
      yield next.value;
    }
    peer.sent?.resolve();
    // The peer is done sending; my call stays open until I am done too.
    await Promise.race([me.sent?.promise, cut]);
  } catch (error) {
    // A peer that ended cleanly ends this side cleanly too.
    if (error instanceof ConnectError && error.code === Code.Canceled) return;
    throw error;
  } finally {
    void iterator.return?.()?.catch?.(() => {});
    count(bytes);
  }
}
