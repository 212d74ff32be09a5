/**
 * The byte connections of a fast-channel session, client side: each driver
 * byte stream or resource gets a connection of its own, opened with the
 * session's id and closed with the session. Giving one up, or confirming
 * the end of a resource's data, is told on the calls connection (ABANDON,
 * DONE).
 *
 * @module
 */
import type { Duplex } from "../../driver/stream.ts";
import type { ByteConn } from "../byte_conn.ts";
import { type ConnDuplex, connDuplex } from "../conn_duplex.ts";
import { textFrame } from "./call_frames.ts";
import { dial, type FastTarget } from "./dial.ts";
import type { FrameWriter } from "./frame_writer.ts";
import type { Answer, Header } from "./opening.ts";
import { ABANDON, DONE, VERSION } from "./protocol.ts";
import { streamError } from "./stream_error.ts";

/** The byte connections of one session. */
export class SessionStreams {
  /** Closes of the connections still open. */
  readonly #open = new Set<() => void>();

  constructor(
    readonly target: FastTarget,
    readonly session: string,
    /** The calls connection's writer, for ABANDON and DONE. */
    readonly writer: FrameWriter,
    /** Why the calls connection ended, or undefined while it is open. */
    readonly failure: () => Error | undefined,
  ) {}

  /** Opens a connection for a byte stream or resource; closing the session closes it. */
  async open(header: Header): Promise<{ conn: ByteConn; answer: Answer & { ok: true } }> {
    const failure = this.failure();
    if (failure) throw failure;
    return await dial(this.target, header, 10_000);
  }

  /**
   * Wraps a byte connection: giving it up (cancel, abort) tells the exporter
   * (ABANDON); for a resource, closing the writable confirms the data (DONE).
   */
  duplex(conn: ByteConn, id: string, options: {
    confirm?: boolean;
    messages?: boolean;
    onWrite?: (bytes: number) => void;
  } = {}): ConnDuplex {
    const socket = connDuplex(conn, {
      messages: options.messages,
      mapError: streamError,
      onWrite: options.onWrite,
      onGiveUp: () => this.writer.send(textFrame(0, ABANDON, id)),
      beforeHalfClose: options.confirm ? () => this.writer.send(textFrame(0, DONE, id)) : undefined,
      onClose: () => this.#open.delete(socket.close),
    });
    this.#open.add(socket.close);
    return socket;
  }

  /** Opens a driver's byte stream; resolves once the exporter accepted it. */
  async openStream(uuid: string, method: string): Promise<Duplex> {
    const { conn, answer } = await this.open({
      v: VERSION,
      kind: "driver",
      uuid,
      method,
      session: this.session,
    });
    const socket = this.duplex(conn, answer.stream ?? "", { messages: answer.messages === true });
    return { readable: socket.readable, writable: socket.writable };
  }

  /** Closes every byte connection still open. */
  closeAll(): void {
    for (const close of [...this.#open]) close();
    this.#open.clear();
  }
}
