import { writeAll } from "../../src/driver/stream.ts";
/** Loopback networking helpers for tests. */

/** A free TCP port on loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** What `echoBack` needs of a connection: `Deno.Conn`, or the router's `ByteConn`. */
interface ReadWrite {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
}

/** Writes back everything `conn` reads, until its end of data (errors reach the caller). */
export async function echoBack(conn: ReadWrite, bufferSize = 64 * 1024): Promise<void> {
  const buffer = new Uint8Array(bufferSize);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    await writeAll(conn, buffer.subarray(0, n));
  }
}
