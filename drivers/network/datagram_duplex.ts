/**
 * A dgram socket as a byte stream, framed the way upstream frames UDP: each
 * datagram is one chunk (one DATA frame on the wire) in both directions, so
 * datagram boundaries survive the trip through the exporter.
 *
 * @module
 */
import type dgram from "node:dgram";
import { UnavailableError } from "../../src/driver/errors.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { messageChunks } from "../../src/driver/message_chunks.ts";

/** Datagrams queued for a reader that is not keeping up before new ones are dropped. */
const MAX_QUEUED = 1024;

/** A UDP socket as a duplex, with a way to close it. */
export interface DatagramDuplex extends Duplex {
  close(): void;
  readonly closed: Promise<void>;
}

/**
 * A duplex over a bound or connected dgram socket: `send` delivers one
 * outgoing datagram; every incoming one is enqueued as it arrives.
 */
export function datagramDuplex(
  socket: dgram.Socket,
  send: (chunk: Uint8Array, done: (error: Error | null) => void) => void,
): DatagramDuplex {
  let isClosed = false;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => markClosed = resolve);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const close = () => {
    if (isClosed) return;
    isClosed = true;
    try {
      controller.close();
    } catch {
      // The reader cancelled already.
    }
    socket.close(() => markClosed());
  };
  socket.on("message", (message: Uint8Array) => {
    // UDP may drop; so do we when the reader falls too far behind.
    if ((controller.desiredSize ?? 0) > -MAX_QUEUED) controller.enqueue(new Uint8Array(message));
  });
  socket.on("error", (error) => {
    if (isClosed) return;
    try {
      controller.error(new UnavailableError(`UDP socket failed: ${error.message}`));
    } catch {
      // Already ended.
    }
    close();
  });
  const readable = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => close(),
  });
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (isClosed) return reject(new UnavailableError("The UDP socket is closed"));
        send(chunk, (error) => error ? reject(error) : resolve());
      }),
    // No half-close in UDP: replies may still come after the last datagram sent.
    close: () => {},
    abort: () => close(),
  });
  // One chunk is one datagram: transports must keep chunks whole.
  return messageChunks({ readable, writable, close, closed });
}
