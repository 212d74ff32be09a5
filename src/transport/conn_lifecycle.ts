/**
 * The state both directions of a `connDuplex` share: which of them is still
 * open, the controllers of its streams, and the socket's close, which runs
 * once both directions have ended (or at once, when asked) and ends a
 * direction still open.
 *
 * @module
 */
import { type ByteConn, closeQuietly } from "./byte_conn.ts";
import type { ConnDuplexOptions } from "./conn_duplex_options.ts";

/** One wrapped connection's shared state (`conn_readable.ts`, `conn_writable.ts`). */
export class ConnLifecycle {
  /** The read side is open. */
  reading = true;
  /** The write side is open. */
  writing = true;
  /** The socket is closed. */
  closed = false;
  readController: ReadableStreamDefaultController<Uint8Array> | undefined;
  writeController: WritableStreamDefaultController | undefined;
  /** Resolves once the socket is closed, however that happened. */
  readonly socketClosed: PromiseWithResolvers<void> = Promise.withResolvers<void>();
  /** What a read or write error becomes. */
  readonly mapError: (error: unknown) => unknown;

  constructor(readonly conn: ByteConn, readonly options: ConnDuplexOptions) {
    this.mapError = options.mapError ?? ((error: unknown) => error);
  }

  /** Closes the socket at once, whatever the state of each direction. */
  readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.socketClosed.resolve();
    const wasReading = this.reading;
    const wasWriting = this.writing;
    this.reading = this.writing = false;
    closeQuietly(this.conn);
    // A direction still open ends now, so a pipe notices without waiting for data.
    const reason = this.mapError(new Deno.errors.Interrupted("The connection was closed"));
    if (wasReading && this.options.closeEndsReadable) this.readController?.close();
    else if (wasReading) this.readController?.error(reason);
    if (wasWriting) this.writeController?.error(reason);
    this.options.onClose?.();
  };

  /** Closes the socket once neither direction is open. */
  settle(): void {
    if (!this.reading && !this.writing) this.close();
  }

  /** What a failed read becomes: closed under it (by us or the session), or its own error. */
  readFailure(error: unknown): unknown {
    return this.mapError(
      this.closed ? new Deno.errors.Interrupted("The connection was closed") : error,
    );
  }
}
