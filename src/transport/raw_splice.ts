/**
 * The fast path through the router: instead of carrying a connection's bytes
 * as DATA frames of a gRPC Stream (HTTP/2 framing and a protobuf message per
 * chunk, inside another HTTP/2 connection), our clients and exporters open a
 * plain TCP connection to the router's port, present their single-use stream
 * token on one line (`JMPSPLICE1 <token>`), and then just move bytes. A router
 * that does not answer `JMPSPLICE1 OK` (upstream's, or one behind TLS here) is
 * not ours: the caller falls back to the wire-compatible gRPC Stream.
 *
 * This file opens such a splice; `splice_conns.ts` moves the bytes.
 *
 * @module
 */
import { UnavailableError } from "../driver/errors.ts";
import { closeQuietly } from "./byte_conn.ts";
import { writeAll } from "../driver/write_all.ts";
import { switchedOff } from "../env_switch.ts";

const encoder = new TextEncoder();

/** A router splice that was accepted: the connection and bytes already read past the answer. */
export interface RawSplice {
  conn: Deno.TcpConn;
  leftover: Uint8Array;
}

/**
 * False when `JMP_ROUTER_SPLICE=off` (or 0/false/no): then our clients and
 * exporters use the gRPC Stream even with our router, e.g. behind a proxy
 * that passes HTTP/2 only.
 */
export function rawSpliceWanted(): boolean {
  return !switchedOff("JMP_ROUTER_SPLICE");
}

/**
 * Opens a raw splice to the router at `endpoint` (`http://host:port`) with
 * `token`. Resolves to undefined when the router does not offer raw splices
 * (or `JMP_ROUTER_SPLICE=off`), so the caller uses the gRPC Stream instead.
 */
export async function openRawSplice(
  endpoint: string,
  token: string,
): Promise<RawSplice | undefined> {
  if (!rawSpliceWanted()) return undefined;
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (!url || url.protocol !== "http:") return undefined;
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || 80),
    });
  } catch {
    return undefined;
  }
  try {
    conn.setNoDelay(true);
    await writeAll(conn, encoder.encode(`JMPSPLICE1 ${token}\n`));
    const buffer = new Uint8Array(512);
    let got = 0;
    const deadline = setTimeout(() => conn.close(), 5000);
    try {
      while (!buffer.subarray(0, got).includes(10)) {
        const n = await conn.read(buffer.subarray(got));
        if (n === null || got + n >= buffer.length) throw new Error("no answer");
        got += n;
      }
    } finally {
      clearTimeout(deadline);
    }
    const newline = buffer.indexOf(10);
    const answer = new TextDecoder().decode(buffer.subarray(0, newline));
    if (answer === "JMPSPLICE1 OK") return { conn, leftover: buffer.slice(newline + 1, got) };
    conn.close();
    if (answer.startsWith("JMPSPLICE1 ERROR ")) {
      throw new UnavailableError(`The router refused the stream: ${answer.slice(17)}`);
    }
    return undefined;
  } catch (error) {
    closeQuietly(conn);
    if (error instanceof UnavailableError) throw error;
    return undefined;
  }
}
