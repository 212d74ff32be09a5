/**
 * The pumps of a `connDuplex`: moving bytes between the socket and a stream
 * without the stream's chunks. `pumpTo` reads the socket into pooled
 * buffers the writable releases; `pumpFrom` sends what a `ReadInto` puts
 * into two buffers taking turns.
 *
 * @module
 */
import type { ReadInto } from "../driver/reads_into.ts";
import type { ConnLifecycle } from "./conn_lifecycle.ts";
import type { WriteSide } from "./conn_writable.ts";

/**
 * What `pumpTo` reads into: buffers of this size, reused once the writable
 * released them; a few are kept (the writable's queue bounds how many are
 * out at once). `pumpFrom` takes turns between two of them.
 */
const POOL_BUFFER = 256 * 1024;
const POOL_KEEP = 8;

/** `ConnDuplex.pumpTo`: what the socket of `life` reads goes into `target`. */
export async function pumpTo(
  life: ConnLifecycle,
  target: WritableStream<Uint8Array>,
): Promise<void> {
  const { conn, options } = life;
  const writer = target.getWriter();
  const pool: Uint8Array[] = [];
  let failed: unknown;
  const release = (buffer: Uint8Array) => () => {
    if (pool.length < POOL_KEEP) pool.push(buffer);
  };
  const fail = (error: unknown) => void (failed ??= error);
  try {
    while (true) {
      await writer.ready;
      const buffer = pool.pop() ?? new Uint8Array(POOL_BUFFER);
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch (error) {
        life.reading = false;
        const reason = life.readFailure(error);
        await writer.abort(reason).catch(() => {});
        life.settle();
        throw reason;
      }
      if (n === null) {
        life.reading = false;
        try {
          await options.beforeEnd?.();
        } catch (error) {
          await writer.abort(error).catch(() => {});
          life.settle();
          throw error;
        }
        await writer.close();
        life.settle();
        return;
      }
      if (failed !== undefined) throw failed;
      writer.write(buffer.subarray(0, n)).then(release(buffer), fail);
    }
  } catch (error) {
    // The writable failed (or the read did, handled above): stop reading, as a pipe cancels.
    if (life.reading) {
      life.reading = false;
      life.settle();
    }
    throw error;
  } finally {
    writer.releaseLock();
  }
}

/** `ConnDuplex.pumpFrom`: what `read` puts into two buffers goes out through `side`. */
export async function pumpFrom(side: WriteSide, read: ReadInto): Promise<void> {
  if (side.writable.locked) throw new TypeError("The connection is already being written");
  // Locked for good: nothing else may write between the pump's chunks.
  side.writable.getWriter();
  const buffers = [new Uint8Array(POOL_BUFFER), new Uint8Array(POOL_BUFFER)];
  let sending: Promise<void> = Promise.resolve();
  for (let turn = 0;; turn++) {
    let n: number | null;
    try {
      n = await read(buffers[turn % 2]);
    } catch (error) {
      await sending.catch(() => {});
      side.giveUp();
      throw error;
    }
    // The other buffer is free once its write is done; a failed write ends the pump.
    await sending;
    if (n === null) break;
    sending = side.send(buffers[turn % 2].subarray(0, n));
    sending.catch(() => {});
  }
  await side.halfClose();
}
