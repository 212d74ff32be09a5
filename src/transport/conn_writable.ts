/**
 * The write side of a `connDuplex`: chunks written go to the socket (framed
 * as messages when the connection carries them), closing shuts down the
 * write side only (a half-close: end of data for the peer), and aborting
 * gives the connection up.
 *
 * @module
 */
import { writeAll } from "../driver/write_all.ts";
import type { ConnLifecycle } from "./conn_lifecycle.ts";
import { QUEUE_BYTES } from "./conn_readable.ts";
import { messageFrame } from "./message_chunks.ts";

/** Bytes accepted ahead of the socket (as many as are read ahead of a consumer). */
const writeBehind = new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES });

/** The write side, for `writable` and `pumpFrom`. */
export interface WriteSide {
  readonly writable: WritableStream<Uint8Array>;
  /** Sends one chunk; a failed write ends the write side. */
  send(input: Uint8Array): Promise<void>;
  /** The half-close, after `beforeHalfClose`. */
  halfClose(): Promise<void>;
  /** Gives the whole connection up (`onGiveUp`, then close). */
  giveUp(): void;
}

/** The write side of the connection `life` wraps. */
export function connWritable(life: ConnLifecycle): WriteSide {
  const { conn, options } = life;
  const send = async (input: Uint8Array) => {
    if (input.byteLength === 0) return;
    const chunk = options.messages ? messageFrame(input) : input;
    try {
      await writeAll(conn, chunk);
    } catch (error) {
      life.writing = false;
      life.settle();
      throw life.mapError(error);
    }
    options.onWrite?.(input.byteLength);
  };
  const halfClose = async () => {
    options.beforeHalfClose?.();
    if (!life.closed) {
      try {
        await conn.closeWrite();
      } catch { /* the peer is gone: nothing left to tell it */ }
    }
    life.writing = false;
    life.settle();
  };
  const giveUp = () => {
    options.onGiveUp?.();
    life.close();
  };
  const writable = new WritableStream<Uint8Array>({
    start(controller) {
      life.writeController = controller;
    },
    write: send,
    close: halfClose,
    abort: giveUp,
  }, writeBehind);
  return { writable, send, halfClose, giveUp };
}
