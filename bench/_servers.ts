/**
 * What every byte-stream benchmark shares: 64 MiB moved in 64 KiB writes,
 * and the helpers that push and drain them. No side effects: the local
 * exporter process and its clients are in `_local.ts`.
 */
import { writeAll } from "../src/driver/write_all.ts";
import { EarlySync } from "../drivers/storage/early_sync.ts";
import { replaceFile } from "../drivers/storage/replace_file.ts";
import { openSpare, spareName } from "../drivers/storage/spare.ts";
import { TransferFile } from "../src/driver/transfer_file.ts";

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
export async function pushRaw(conn: Deno.Conn): Promise<number> {
  const back = drain(conn.readable);
  const writer = conn.writable.getWriter();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(chunk);
  await conn.closeWrite();
  return await back;
}

/** Bytes per read and write of the bare flash pipe. */
const BARE_BUFFER = 256 * 1024;

/**
 * The bound of any flash over a local socket, with no framework at all: the
 * receiving end of a bare pipe doing a flash's work and nothing else. Reads
 * a connection into two reused buffers, writes each to a file beside
 * `target` (one write in flight) while hashing it (when the first byte the
 * client sent is 1), fsyncs, renames over `target`, answers the sha256 (or
 * "-") and closes. As the storage driver does, the file written is the
 * image the previous flash replaced (its spare), overwritten in place, when
 * it has no other name and nothing has it open; the replaced image becomes
 * the next spare. The file work is the driver's own (`openSpare`,
 * `TransferFile`, `EarlySync`, `replaceFile`); only the stream, protocol
 * and driver machinery are left out.
 */
export async function bareFlashSink(conn: Deno.Conn, target: string): Promise<void> {
  const { createHash } = await import("node:crypto");
  const buffers = [new Uint8Array(BARE_BUFFER), new Uint8Array(BARE_BUFFER)];
  const spare = spareName(target);
  const use = await openSpare(spare);
  const temp = use.file ? spare : `${target}.${crypto.randomUUID()}.partial`;
  const file = use.file ?? await Deno.open(temp, { write: true, create: true });
  const io = new TransferFile(file);
  const early = await EarlySync.open(temp);
  let hash: ReturnType<typeof createHash> | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  let size = 0;
  try {
    for (let i = 0;; i++) {
      const buffer = buffers[i % 2];
      const n = await conn.read(buffer);
      await writing;
      if (n === null) break;
      let data = buffer.subarray(0, n);
      if (i === 0) {
        if (data[0] === 1) hash = createHash("sha256");
        data = data.subarray(1);
      }
      writing = io.write(data);
      size += data.byteLength;
      hash?.update(data);
      early.written(size);
    }
    await writing;
    await early.finish();
    if (use.file) await file.truncate(size);
    await file.syncData();
    file.close();
    await replaceFile(temp, target, use.keep ? spare : undefined);
    await conn.write(new TextEncoder().encode(hash?.digest("hex") ?? "-"));
  } finally {
    early.close();
    for (const closable of [file, conn]) {
      try {
        closable.close();
      } catch { /* closed */ }
    }
  }
}

/**
 * The sending end of the bare flash pipe: reads `image` into two reused
 * buffers, hashing each (when `sha256`) while the previous one is written to
 * `conn`; half-closes and checks the sha256 the receiver answers.
 */
export async function bareFlash(conn: Deno.UnixConn, image: string, sha256: boolean) {
  const { createHash } = await import("node:crypto");
  const hash = sha256 ? createHash("sha256") : undefined;
  const buffers = [new Uint8Array(BARE_BUFFER), new Uint8Array(BARE_BUFFER)];
  using file = await Deno.open(image);
  const io = new TransferFile(file);
  await conn.write(new Uint8Array([sha256 ? 1 : 0]));
  let sending: Promise<unknown> = Promise.resolve();
  for (let i = 0;; i++) {
    const buffer = buffers[i % 2];
    const n = await io.read(buffer);
    await sending;
    if (n === null) break;
    const data = buffer.subarray(0, n);
    sending = writeAll(conn, data);
    hash?.update(data);
  }
  await sending;
  await conn.closeWrite();
  const answer = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
  const expected = hash?.digest("hex") ?? "-";
  if (answer !== expected) throw new Error(`bare flash: sent ${expected}, receiver has ${answer}`);
}
