/**
 * The request line of a raw splice connection (`JMPSPLICE1 <stream
 * token>`), the router's answer to it, and reading that line off a node
 * socket without taking a byte more.
 *
 * @module
 */
import type { Socket } from "node:net";
import type { ByteConn } from "../transport/byte_conn.ts";
import { withPrefix } from "../transport/prefixed_conn.ts";

export { RAW_SPLICE_ALPN } from "../transport/raw_splice.ts";
/** First line of a raw splice connection: `JMPSPLICE1 <stream token>\n`. */
export const RAW_SPLICE_HELLO = "JMPSPLICE1 ";
/** The router's answer once the token is accepted. */
export const RAW_SPLICE_OK = "JMPSPLICE1 OK\n";

/** Reads one `\n`-terminated line from a socket, leaving the rest unread. */
export function readLine(socket: Socket, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = new Uint8Array(0);
    const timer = setTimeout(() => finish(new Error("no splice request within 10 s")), 10_000);
    const finish = (error?: Error, line?: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve(line!);
    };
    const onClose = () => finish(new Error("closed before the splice request"));
    const onData = (chunk: Uint8Array) => {
      const joined = new Uint8Array(buffered.byteLength + chunk.byteLength);
      joined.set(buffered);
      joined.set(chunk, buffered.byteLength);
      buffered = joined;
      const newline = buffered.indexOf(10);
      if (newline === -1) {
        if (buffered.byteLength > max) finish(new Error("splice request too long"));
        return;
      }
      socket.pause();
      const rest = buffered.subarray(newline + 1);
      if (rest.byteLength > 0) socket.unshift(rest);
      finish(undefined, new TextDecoder().decode(buffered.subarray(0, newline)));
    };
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}

/**
 * Reads the request line from a connection already taken over (a TLS
 * splice, read in flowing mode from its first byte); returns it and the
 * connection with the bytes past it put back in front.
 */
export async function readLineFrom(
  conn: ByteConn,
  max: number,
): Promise<{ line: string; conn: ByteConn }> {
  let buffered = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), 10_000);
  try {
    while (true) {
      const newline = buffered.indexOf(10);
      if (newline !== -1) {
        const line = new TextDecoder().decode(buffered.subarray(0, newline));
        return { line, conn: withPrefix(conn, buffered.slice(newline + 1)) };
      }
      if (buffered.byteLength > max) throw new Error("splice request too long");
      let n: number | null;
      try {
        n = await conn.read(chunk);
      } catch {
        n = null;
      }
      if (n === null) throw new Error("closed before the splice request");
      const joined = new Uint8Array(buffered.byteLength + n);
      joined.set(buffered);
      joined.set(chunk.subarray(0, n), buffered.byteLength);
      buffered = joined;
    }
  } finally {
    clearTimeout(timer);
  }
}
