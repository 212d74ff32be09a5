/**
 * The fast path through the router: instead of carrying a connection's bytes
 * as DATA frames of a gRPC Stream (HTTP/2 framing and a protobuf message per
 * chunk, inside another HTTP/2 connection), our clients and exporters open a
 * plain TCP connection to the router's port, present their single-use stream
 * token on one line (`JMPSPLICE1 <token>`), and then just move bytes. With
 * TLS the splice is chosen by ALPN (`jmpsplice1`) in the handshake. A router
 * that does not choose it or answer `JMPSPLICE1 OK` (upstream's) is not
 * ours: the caller falls back to the wire-compatible gRPC Stream.
 *
 * This file opens such a splice; `splice_conns.ts` moves the bytes.
 *
 * @module
 */
import { UnavailableError } from "../driver/errors.ts";
import { closeQuietly } from "./byte_conn.ts";
import { writeAll } from "../driver/write_all.ts";
import { switchedOff } from "../env_switch.ts";
import { controllerUrl, decodeCa, type TlsTrust } from "./controller_transport.ts";

const encoder = new TextEncoder();

/** The ALPN protocol of a raw splice over TLS (the request line follows the handshake). */
export const RAW_SPLICE_ALPN = "jmpsplice1";

/** A router splice that was accepted: the connection and bytes already read past the answer. */
export interface RawSplice {
  conn: Deno.Conn;
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
 * Connects to the router for a splice: plain TCP for `http://host:port`;
 * TLS offering only the splice's ALPN protocol for `host:port` and
 * `https://host:port`, undefined when the router does not choose it (it is
 * not ours) or the trust is `insecure` (Deno verifies every TLS connection
 * it opens; the gRPC Stream honours insecure).
 */
async function connectRouter(
  endpoint: string,
  tls: TlsTrust | undefined,
): Promise<Deno.Conn | undefined> {
  const secure = !endpoint.startsWith("http://");
  if (secure && tls?.insecure) return undefined;
  const url = URL.canParse(controllerUrl(endpoint)) ? new URL(controllerUrl(endpoint)) : undefined;
  if (!url) return undefined;
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (secure ? 443 : 80));
  if (!secure) {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return conn;
  }
  const conn = await Deno.connectTls({
    hostname,
    port,
    caCerts: tls?.ca ? [decodeCa(tls.ca)] : undefined,
    alpnProtocols: [RAW_SPLICE_ALPN],
  });
  try {
    const { alpnProtocol } = await conn.handshake();
    if (alpnProtocol === RAW_SPLICE_ALPN) return conn;
  } catch {
    // Not a TLS router we can trust: the gRPC Stream reports why.
  }
  closeQuietly(conn);
  return undefined;
}

/**
 * Opens a raw splice to the router at `endpoint` (`http://host:port`, or
 * `host:port` / `https://host:port` with TLS trusted as `tls` says) with
 * `token`. Resolves to undefined when the router does not offer raw splices
 * (or `JMP_ROUTER_SPLICE=off`), so the caller uses the gRPC Stream instead.
 */
export async function openRawSplice(
  endpoint: string,
  token: string,
  tls?: TlsTrust,
): Promise<RawSplice | undefined> {
  if (!rawSpliceWanted()) return undefined;
  let conn: Deno.Conn | undefined;
  try {
    conn = await connectRouter(endpoint, tls);
  } catch {
    return undefined;
  }
  if (!conn) return undefined;
  try {
    await writeAll(conn, encoder.encode(`JMPSPLICE1 ${token}\n`));
    const buffer = new Uint8Array(512);
    let got = 0;
    const deadline = setTimeout(() => closeQuietly(conn), 5000);
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
