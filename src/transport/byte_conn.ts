/**
 * A byte connection as the transports use it (a unix or TCP socket, a
 * router splice, or one of them with bytes already read put back in front),
 * and the two things every user of one needs: reading an exact number of
 * bytes and closing it whatever its state.
 *
 * @module
 */

/**
 * What the transports use of a connection: a unix or TCP socket, or one of
 * them with bytes already read put back in front (`withPrefix`).
 */
export type ByteConn = Pick<Deno.Conn, "read" | "write" | "close"> & {
  closeWrite(): Promise<void>;
};

/** Reads exactly `buffer.byteLength` bytes; false at a clean end before the first byte. */
export async function readExactly(conn: ByteConn, buffer: Uint8Array): Promise<boolean> {
  let got = 0;
  while (got < buffer.byteLength) {
    const n = await conn.read(got === 0 ? buffer : buffer.subarray(got));
    if (n === null) {
      if (got === 0) return false;
      throw new Deno.errors.UnexpectedEof("The peer closed the connection mid-message");
    }
    got += n;
  }
  return true;
}

/** Closes a connection that may already be closed. */
export function closeQuietly(conn: ByteConn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
