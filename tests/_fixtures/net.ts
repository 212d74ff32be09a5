/** Loopback networking helpers for tests. */
import { writeAll } from "../../src/driver/write_all.ts";

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

/** Two ends of a real unix socket connection in a fresh directory; disposing closes both. */
export async function socketPair(): Promise<
  { client: Deno.UnixConn; server: Deno.UnixConn } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir();
  const listener = Deno.listen({ transport: "unix", path: `${dir}/s` });
  const [client, server] = await Promise.all([
    Deno.connect({ transport: "unix", path: `${dir}/s` }),
    listener.accept(),
  ]);
  listener.close();
  return {
    client,
    server,
    [Symbol.asyncDispose]: async () => {
      for (const conn of [client, server]) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await Deno.remove(dir, { recursive: true });
    },
  };
}
