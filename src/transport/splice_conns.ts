/**
 * Splicing two byte connections: bytes copied both ways, each direction a
 * read/write loop whose socket buffers are the backpressure, until both
 * directions end (a half-close passes through). The loops take fair turns
 * with every other connection of the process (`fair_turn.ts`).
 *
 * @module
 */
import { writeAll } from "../driver/write_all.ts";
import { type ByteConn, closeQuietly } from "./byte_conn.ts";
import { fairTurn, loopEnded, loopStarted } from "./fair_turn.ts";

/**
 * The copy loops' buffer size: 128 KiB moves as fast as 256 KiB through the
 * router, and the 16 chunks a busy router's loops move between two turns
 * of its event loop take half as long.
 */
const BUFFER = 128 * 1024;
/**
 * Buffers of ended copy loops, kept for the next ones: a router opening
 * many streams at once then allocates no new memory outside the heap for
 * them (each allocation of that memory counts towards the garbage
 * collector's next full pause).
 */
const spare: Uint8Array[] = [];
/** Spare buffers kept at most (4 MiB). */
const SPARE_KEEP = 32;

/**
 * Copies `from` to `to` (after `first`, bytes already read from `from`) until
 * `from` ends, then half-closes `to`; returns the bytes copied. If either
 * side fails, both close, so the other direction ends too.
 */
async function copy(from: ByteConn, to: ByteConn, first?: Uint8Array): Promise<number> {
  let bytes = 0;
  loopStarted();
  const buffer = spare.pop() ?? new Uint8Array(BUFFER);
  try {
    if (first && first.byteLength > 0) {
      await writeAll(to, first);
      bytes += first.byteLength;
    }
    while (true) {
      const n = await from.read(buffer);
      if (n === null) break;
      await writeAll(to, buffer.subarray(0, n));
      bytes += n;
      // Other connections get their turn too (see fair_turn.ts).
      await fairTurn();
    }
    await to.closeWrite();
  } catch {
    closeQuietly(from);
    closeQuietly(to);
  } finally {
    loopEnded();
    if (spare.length < SPARE_KEEP) spare.push(buffer);
  }
  return bytes;
}

/**
 * Moves bytes both ways between two connections until both directions end;
 * closes both and returns the bytes moved. `leftoverForA`: bytes already
 * read from `b`, owed to `a` first.
 */
export async function spliceConns(
  a: ByteConn,
  b: ByteConn,
  leftoverForA?: Uint8Array,
): Promise<number> {
  const [ab, ba] = await Promise.all([copy(a, b), copy(b, a, leftoverForA)]);
  closeQuietly(a);
  closeQuietly(b);
  return ab + ba;
}
