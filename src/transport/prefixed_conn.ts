/**
 * A connection whose first reads return bytes already taken off it (a
 * sniffed first chunk, or what arrived past a splice answer), then read the
 * connection itself. Writes, half-close and close go straight through.
 *
 * @module
 */

import type { ByteConn } from "./byte_conn.ts";

class PrefixedConn implements ByteConn {
  #pending: Uint8Array | undefined;
  constructor(readonly conn: ByteConn, prefix: Uint8Array) {
    this.#pending = prefix;
  }
  read(buffer: Uint8Array): Promise<number | null> {
    const pending = this.#pending;
    if (!pending) return this.conn.read(buffer);
    const n = Math.min(buffer.byteLength, pending.byteLength);
    buffer.set(pending.subarray(0, n));
    this.#pending = n === pending.byteLength ? undefined : pending.subarray(n);
    return Promise.resolve(n);
  }
  write(data: Uint8Array): Promise<number> {
    return this.conn.write(data);
  }
  closeWrite(): Promise<void> {
    return this.conn.closeWrite();
  }
  close(): void {
    this.conn.close();
  }
}

/** `conn` as if `prefix` had not been read yet (`conn` itself when there is nothing to replay). */
export function withPrefix(
  conn: ByteConn,
  prefix?: Uint8Array,
): ByteConn {
  if (!prefix || prefix.byteLength === 0) return conn;
  return new PrefixedConn(conn, prefix);
}
