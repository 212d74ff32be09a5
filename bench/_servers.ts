/**
 * What every byte-stream benchmark shares: 64 MiB moved in 64 KiB writes,
 * and the helpers that push and drain them. No side effects: the local
 * exporter process and its clients are in `_local.ts`.
 */

export const CHUNK = 64 * 1024;
export const TOTAL = 64 * 1024 * 1024;
export const chunk = new Uint8Array(CHUNK).fill(7);

/** Writes TOTAL bytes in CHUNK writes, then half-closes. */
export async function push(writable: WritableStream<Uint8Array>): Promise<void> {
  const writer = writable.getWriter();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(chunk);
  await writer.close();
}

/** Reads until EOF; returns the byte count. */
export async function drain(readable: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const data of readable) n += data.byteLength;
  return n;
}

/** The raw baseline's sink: reads a connection to EOF, answers with the byte count, closes. */
export async function answerSink(conn: Deno.Conn): Promise<void> {
  let count = 0;
  const buffer = new Uint8Array(256 * 1024);
  while (true) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    count += n;
  }
  await conn.write(new TextEncoder().encode(String(count))).catch(() => {});
  try {
    conn.close();
  } catch { /* the client may have closed first */ }
}

/** The raw baseline's client: pushes TOTAL bytes, half-closes, returns how many bytes came back. */
export async function pushRaw(conn: Deno.TcpConn | Deno.UnixConn): Promise<number> {
  const back = drain(conn.readable);
  const writer = conn.writable.getWriter();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(chunk);
  await conn.closeWrite();
  return await back;
}
