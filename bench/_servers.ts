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
