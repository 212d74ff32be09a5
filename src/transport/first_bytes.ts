/**
 * The first bytes a connection sends, read to tell which protocol it speaks
 * (`withPrefix` in `prefixed_conn.ts` puts them back).
 *
 * @module
 */
import { closeQuietly } from "./byte_conn.ts";

/** The first bytes a connection sends (undefined if it ends first or within 10 s sends nothing). */
export async function readSome(conn: Deno.Conn): Promise<Uint8Array | undefined> {
  const buffer = new Uint8Array(64 * 1024);
  const timer = setTimeout(() => closeQuietly(conn), 10_000);
  try {
    const n = await conn.read(buffer);
    return n === null ? undefined : buffer.slice(0, n);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
