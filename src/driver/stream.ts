/**
 * The byte-stream shape shared by drivers, the exporter and the client: a pair
 * of Web streams. Any transport (the gRPC Stream call today, a faster raw
 * channel later) only has to produce and consume this.
 *
 * @module
 */

/**
 * Two directions of bytes. Closing `writable` is a half-close (EOF to the peer).
 *
 * @example
 * ```ts
 * import { type Duplex, duplexPair, readAll } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * async function send(stream: Duplex, text: string): Promise<void> {
 *   const writer = stream.writable.getWriter();
 *   await writer.write(new TextEncoder().encode(text));
 *   await writer.close(); // half-close: the peer reads the end of data
 * }
 * const [a, b] = duplexPair();
 * await send(a, "hello");
 * assert.equal(new TextDecoder().decode(await readAll(b.readable)), "hello");
 * ```
 */
export interface Duplex {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/**
 * Returns a connected pair: what one end writes, the other end reads.
 *
 * @example
 * ```ts
 * import { Console, duplexPair } from "@jumpstarter/jumpstarter";
 *
 * const [host, device] = duplexPair(); // a fake UART for testing console automation
 * await using serial = new Console(host);
 * const uart = device.writable.getWriter();
 * await uart.write(new TextEncoder().encode("U-Boot 2024.01\r\nHit any key to stop autoboot"));
 * await serial.expect("autoboot");
 * await uart.close();
 * ```
 */
export function duplexPair(highWaterMark = 16): [Duplex, Duplex] {
  const strategy = new CountQueuingStrategy({ highWaterMark });
  const ab = new TransformStream<Uint8Array, Uint8Array>(undefined, strategy, strategy);
  const ba = new TransformStream<Uint8Array, Uint8Array>(undefined, strategy, strategy);
  return [
    { readable: ba.readable, writable: ab.writable },
    { readable: ab.readable, writable: ba.writable },
  ];
}
