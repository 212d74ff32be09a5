/**
 * `messageChunks`: marks a duplex whose chunks are messages (UDP datagrams,
 * say), which every transport must deliver whole.
 *
 * @module
 */
import type { Duplex } from "./stream.ts";

/** Marks a duplex whose chunks are messages (see `messageChunks`). */
export const MESSAGE_CHUNKS: unique symbol = Symbol.for("jumpstarter.messageChunks");

/**
 * Marks `duplex` as carrying messages (UDP datagrams, say): every transport
 * must deliver each chunk whole, as written, in both directions. The gRPC
 * Stream does anyway (one DATA frame per chunk); the fast local channel,
 * whose byte streams are otherwise raw, frames the chunks of such a stream.
 */
export function messageChunks<T extends Duplex>(duplex: T): T {
  Object.defineProperty(duplex, MESSAGE_CHUNKS, { value: true });
  return duplex;
}

/** True when `duplex` was marked with `messageChunks`. */
export function hasMessageChunks(duplex: Duplex): boolean {
  return (duplex as { [MESSAGE_CHUNKS]?: boolean })[MESSAGE_CHUNKS] === true;
}
