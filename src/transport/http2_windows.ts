/**
 * HTTP/2 flow-control windows for our gRPC connections. node:http2 starts
 * every stream and connection with HTTP/2's 64 KiB default, so a 64 KiB
 * write waits a WINDOW_UPDATE round trip before the next can leave; byte
 * streams then run at the round-trip rate, not the CPU's. A receiver
 * advertises a larger stream window in its SETTINGS and raises its
 * connection window once; both only let the peer send ahead, so the
 * connection window bounds what one connection can leave unread here.
 * (A client's Connect session keeps the default stream window: see
 * `src/client/grpc_transport.ts`.)
 *
 * @module
 */
import type * as http2 from "node:http2";

/** Bytes a peer may send on one stream before we have read them. */
export const STREAM_WINDOW = 4 * 1024 * 1024;
/** Bytes a peer may send on one connection, all streams together, before we have read them. */
export const CONNECTION_WINDOW = 16 * 1024 * 1024;

/** The SETTINGS a receiver advertises for its streams' window. */
export const windowSettings: http2.Settings = { initialWindowSize: STREAM_WINDOW };

/** Raises `session`'s connection window (once; a destroyed session is left alone). */
export function widenConnectionWindow(session: http2.Http2Session): void {
  if (session.destroyed) return;
  try {
    session.setLocalWindowSize(CONNECTION_WINDOW);
  } catch {
    // A session closing meanwhile keeps its default window; it has no use for a larger one.
  }
}
