/**
 * The hooks and switches of `connDuplex` (`conn_duplex.ts`), and the preset
 * for a forwarded connection.
 *
 * @module
 */

/** Hooks of `connDuplex`. */
export interface ConnDuplexOptions {
  /**
   * Runs at the peer's end of data, before `readable` closes; if it rejects,
   * `readable` errors with its reason instead (an upload the peer did not
   * confirm).
   */
  beforeEnd?: () => Promise<void>;
  /** Called with each chunk's size as it is written (upload progress). */
  onWrite?: (bytes: number) => void;
  /** What a read or write error becomes (e.g. an UnavailableError naming the peer). */
  mapError?: (error: unknown) => unknown;
  /**
   * Cancelling `readable` or aborting `writable` gives the whole connection
   * up: this runs, then the socket closes (the client side, as a gRPC call
   * is cancelled as a whole). Without it a cancel only ends the read side.
   */
  onGiveUp?: () => void;
  /** Runs as `writable` closes, just before the half-close (the client's DONE). */
  beforeHalfClose?: () => void;
  /** Runs once when the socket is closed. */
  onClose?: () => void;
  /**
   * `close()` ends a `readable` still open as a clean end of data instead of
   * an error (a driver closing its own connections: its clients see the
   * stream end).
   */
  closeEndsReadable?: boolean;
  /**
   * Each chunk travels whole, as a u32 length and its bytes (a
   * `messageChunks` stream). Empty chunks are not sent, as on gRPC.
   */
  messages?: boolean;
  /**
   * `readable` reads nothing ahead and is marked `readsInto`: a consumer
   * that copies an upload out (to a file, a hash) reads the socket straight
   * into buffers of its own (see `directReads`).
   */
  directReads?: boolean;
}

/**
 * For a forwarded connection: cancelling `readable` or aborting `writable`
 * closes the whole socket, as one side of a bridge giving up, and closing
 * it ends `readable` cleanly.
 */
export const GIVE_UP_WHOLE: ConnDuplexOptions = Object.freeze({
  onGiveUp: () => {},
  closeEndsReadable: true,
});
