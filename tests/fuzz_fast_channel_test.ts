/**
 * Fuzz: the fast local channel (the `.fast` unix socket beside a local
 * exporter's gRPC socket; protocol in src/transport/fast/protocol.ts) with
 * raw connections sending random and mutated headers and call frames:
 * lying lengths, unknown types, short CREDIT payloads, malformed JSON calls,
 * stream headers naming sessions and drivers that do not exist.
 *
 * The exporter answers with well-formed answers and frames only (errors with
 * a status name and one clear line), or closes that connection; it never
 * hangs, and afterwards `connect()` + `power.on()` still work. Seeded: the
 * seed is printed; `FUZZ_SEED=n` replays (see `_fixtures/fuzz.ts`).
 */
import assert from "node:assert/strict";
import {
  fuzz,
  type FuzzCase,
  type FuzzRun,
  type Json,
  type Rng,
  show,
  stringsOf,
  unclearMessage,
} from "./_fixtures/fuzz.ts";
import { VIRTUAL_BOARD } from "./_fixtures/run.ts";
import { connect, loadExporterConfig, serveLocal, type VirtualBoard } from "../mod.ts";

// The wire format, as protocol.ts documents it: u32 length | u32 call id | u8 type | payload.
const CALL = 1;
const STREAM = 2;
const CANCEL = 3;
const CREDIT = 4;
const DONE = 5;
const ABANDON = 6;
const RESULT = 16;
const ITEM = 17;
const END = 18;
const ERROR = 19;
const MAX_FRAME = 16 * 1024 * 1024;
/** The call id of the probe sent last: its answer shows the session still reads frames. */
const PROBE_ID = 0xffffffff;

/** Status names an answer or ERROR frame may carry after hostile input. */
const ERROR_CODES = [
  "invalid_argument",
  "not_found",
  "failed_precondition",
  "unimplemented",
  "out_of_range",
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** A header or answer: u32 length + the bytes. */
const message = (body: Uint8Array) => concat([u32(body.byteLength), body]);

function frame(id: number, type: number, payload: Uint8Array, length = 5 + payload.byteLength) {
  return concat([u32(length), u32(id), new Uint8Array([type]), payload]);
}

/** What the exporter's report tells the fuzz: driver uuids by name, and its own uuid. */
interface Board {
  exporter: string;
  drivers: Record<string, string>;
}

/** A call payload `[uuid, method, args]`: well shaped with random parts, or not. */
function callPayload(rng: Rng, board: Board): Uint8Array {
  const uuids = Object.values(board.drivers);
  const method = rng.pick(["on", "off", "info", "host", "read", "connect", "cycle", "flash", "x"]);
  const args: Json[] = Array.from({ length: rng.int(3) }, () => rng.json(3));
  // cycle(wait) waits that many seconds: keep the wait tiny.
  if (method === "cycle") args.splice(0, args.length, rng.next() / 100);
  const call: Json = [rng.chance(0.8) ? rng.pick(uuids) : rng.string([], 40), method, args];
  const roll = rng.next();
  if (roll < 0.5) return encoder.encode(JSON.stringify(call));
  if (roll < 0.8) return encoder.encode(rng.mutate(JSON.stringify(call), ['"', "[", "]", ","]));
  if (roll < 0.9) return encoder.encode(JSON.stringify(rng.json(3)));
  return rng.bytes(rng.length(3000));
}

/** The strings a payload holds, as the exporter reads them (JSON), to tell echoes. */
function payloadStrings(payload: Uint8Array): string[] {
  const text = decoder.decode(payload);
  try {
    return [text, ...stringsOf(JSON.parse(text))];
  } catch {
    return [text];
  }
}

/** Random frames after a calls header; `framed` is false when a length lies. */
function randomFrames(
  rng: Rng,
  board: Board,
): { bytes: Uint8Array; framed: boolean; echoes: string[] } {
  const frames: Uint8Array[] = [];
  const echoes: string[] = [];
  let framed = true;
  for (let n = rng.between(1, rng.chance(0.9) ? 8 : 100); n > 0; n--) {
    const id = rng.chance(0.8) ? rng.int(16) : rng.int(2 ** 32 - 1);
    const type = rng.chance(0.85)
      ? rng.pick([CALL, STREAM, CANCEL, CREDIT, DONE, ABANDON])
      : rng.pick([0, 7, 15, RESULT, ITEM, END, ERROR, 255]);
    let payload: Uint8Array;
    if (type === CALL || type === STREAM) payload = callPayload(rng, board);
    else if (type === CREDIT) {
      payload = rng.chance(0.7) ? u32(rng.int(2 ** 32)) : rng.bytes(rng.int(4));
    } else if (type === DONE || type === ABANDON) payload = encoder.encode(rng.string([], 40));
    else payload = rng.bytes(rng.int(rng.chance(0.9) ? 16 : 5000));
    echoes.push(...payloadStrings(payload));
    if (rng.chance(0.05)) {
      // A length that lies: too short to hold a header, past the limit, or longer than sent.
      const length = rng.pick([0, 1, 4, MAX_FRAME + 1, 2 ** 32 - 1, 5 + payload.byteLength + 100]);
      frames.push(frame(id, type, payload, length));
      framed = false;
      break;
    }
    frames.push(frame(id, type, payload));
  }
  return { bytes: concat(frames), framed, echoes };
}

/** Headers: valid and mutated calls headers, stream headers with odd fields, JSON noise. */
function randomHeader(
  rng: Rng,
  board: Board,
  session?: string,
): { header: Uint8Array; calls: boolean } {
  const roll = rng.next();
  if (roll < 0.5) {
    const exporter = rng.chance(0.8)
      ? {}
      : { exporter: rng.chance(0.5) ? board.exporter : rng.string([], 40) };
    return {
      header: encoder.encode(JSON.stringify({ v: 1, kind: "calls", ...exporter })),
      calls: true,
    };
  }
  const uuid = rng.chance(0.7) ? rng.pick(Object.values(board.drivers)) : rng.string([], 40);
  const fields: Record<string, Json>[] = [
    {
      v: 1,
      kind: "driver",
      uuid,
      method: rng.pick(["connect", "on", "x"]),
      session: session ?? "",
    },
    {
      v: 1,
      kind: "resource",
      uuid,
      x_jmp_content_encoding: rng.pick([null, "gzip", "x"]),
      session: session ?? "",
    },
    { v: rng.number(), kind: "calls" },
    { v: 1, kind: rng.string([], 10) },
  ];
  const doc = rng.pick(fields);
  if (roll < 0.7) return { header: encoder.encode(JSON.stringify(doc)), calls: false };
  if (roll < 0.9) {
    return {
      header: encoder.encode(rng.mutate(JSON.stringify(doc), ['"', "{", "}", ":"])),
      calls: false,
    };
  }
  return { header: rng.bytes(rng.length(2000)), calls: false };
}

/** Reads from `conn` until `enough(bytes)` or the end of data, or `ms` pass. */
async function readUntil(
  conn: Deno.Conn,
  enough: (bytes: Uint8Array) => boolean,
  ms: number,
): Promise<{ bytes: Uint8Array; ended: boolean; late: boolean }> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
  try {
    while (true) {
      const n = await Promise.race([conn.read(buffer).catch(() => null), late]);
      if (n === "late") return { bytes: concat(chunks), ended: false, late: true };
      if (n === null) return { bytes: concat(chunks), ended: true, late: false };
      chunks.push(buffer.slice(0, n));
      const bytes = concat(chunks);
      if (enough(bytes)) return { bytes, ended: false, late: false };
    }
  } finally {
    clearTimeout(timer);
  }
}

/** What the exporter sent back: its answer, the frames, and whether the probe got one. */
interface Reply {
  answer?: Record<string, unknown>;
  frames: { id: number; type: number; payload: Uint8Array }[];
  probed: boolean;
  /** Bytes after the last whole frame (the connection closed mid-frame). */
  tail: number;
}

function parseReply(bytes: Uint8Array): Reply {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reply: Reply = { frames: [], probed: false, tail: 0 };
  if (bytes.byteLength < 4) return { ...reply, tail: bytes.byteLength };
  const size = view.getUint32(0);
  if (bytes.byteLength < 4 + size) return { ...reply, tail: bytes.byteLength };
  reply.answer = JSON.parse(decoder.decode(bytes.subarray(4, 4 + size)));
  let at = 4 + size;
  // After a byte stream's answer come raw bytes; only a calls session sends frames.
  if (typeof reply.answer?.session !== "string") return reply;
  while (bytes.byteLength - at >= 4) {
    const length = view.getUint32(at);
    if (bytes.byteLength - at < 4 + length) break;
    const id = view.getUint32(at + 4);
    reply.frames.push({ id, type: bytes[at + 8], payload: bytes.slice(at + 9, at + 4 + length) });
    if (id === PROBE_ID) reply.probed = true;
    at += 4 + length;
  }
  reply.tail = bytes.byteLength - at;
  return reply;
}

/** Why a reply is not well formed; undefined when it is. */
function badReply(reply: Reply, echoes: string[]): string | undefined {
  const answer = reply.answer;
  if (answer === undefined) return reply.frames.length > 0 ? "frames without an answer" : undefined;
  if (answer.ok === false) {
    if (!ERROR_CODES.includes(String(answer.code))) return `answered code ${show(answer.code)}`;
    return unclearMessage(answer.message, { echoes });
  }
  if (answer.ok !== true) return `an answer that is neither ok nor refused: ${show(answer)}`;
  for (const { type, payload } of reply.frames) {
    if (![RESULT, ITEM, END, ERROR].includes(type)) return `a frame of type ${type}`;
    if (type === END) continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(decoder.decode(payload));
    } catch {
      return `a ${type} frame whose payload is not JSON`;
    }
    if (type !== ERROR) continue;
    if (!ERROR_CODES.includes(String(value?.code))) return `an ERROR frame with ${show(value)}`;
    const problem = unclearMessage(value.message, { echoes });
    if (problem) return problem;
  }
  return undefined;
}

/** The reply so far, or undefined while its answer is incomplete or not JSON. */
function replySoFar(bytes: Uint8Array): Reply | undefined {
  try {
    const reply = parseReply(bytes);
    return reply.answer === undefined ? undefined : reply;
  } catch {
    return undefined;
  }
}

/** Opens a valid calls session; returns the connection and its session id. */
async function openSession(path: string): Promise<{ conn: Deno.Conn; session: string }> {
  const conn = await Deno.connect({ transport: "unix", path });
  await writeAll(conn, message(encoder.encode(JSON.stringify({ v: 1, kind: "calls" }))));
  const { bytes } = await readUntil(conn, (b) => replySoFar(b) !== undefined, 5000);
  return { conn, session: String(replySoFar(bytes)?.answer?.session) };
}

/** Writes all of `bytes` (one `write` may take only part of them). */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength;) at += await conn.write(bytes.subarray(at));
}

const closeQuietly = (conn: Deno.Conn) => {
  try {
    conn.close();
  } catch { /* closed */ }
};

/** One case: a connection, what it sends, what comes back. */
async function fuzzCase(run: FuzzRun, c: FuzzCase, path: string, board: Board): Promise<void> {
  const { rng } = c;
  // Stream headers sometimes name a real session: a byte stream or resource opens.
  const owner = rng.chance(0.1) ? await openSession(path) : undefined;
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    const { header, calls } = randomHeader(rng, board, owner?.session);
    const lying = rng.chance(0.05);
    const head = lying
      ? concat([u32(rng.pick([0, 1, 100, MAX_FRAME + 1, 2 ** 32 - 1])), header])
      : message(header);
    const frames = calls
      ? randomFrames(rng, board)
      : { bytes: new Uint8Array(), framed: true, echoes: [] };
    const probe = frame(
      PROBE_ID,
      CALL,
      encoder.encode(JSON.stringify([board.drivers.power, "no-such-method", []])),
    );
    const sent = concat([head, frames.bytes, ...(calls && frames.framed ? [probe] : [])]);
    c.input = {
      header: decoder.decode(header).slice(0, 300),
      frames: [...frames.bytes.subarray(0, 300)],
    };
    await writeAll(conn, sent).catch(() => {}); // the exporter may close before it read all
    // A session that was sent whole frames answers the probe; anything else must answer
    // and close (nothing more comes from this side), or, as a byte stream, say ok.
    const expectProbe = calls && frames.framed && !lying;
    if (!expectProbe) await conn.closeWrite().catch(() => {});
    const { bytes, late } = await readUntil(conn, (b) => {
      const reply = replySoFar(b);
      if (expectProbe) return reply?.probed === true;
      return reply?.answer?.ok === true && typeof reply.answer.session !== "string";
    }, 5000);
    if (late) throw run.fail(c, "no answer and no close within 5 s (a hang)");
    let reply: Reply;
    try {
      reply = parseReply(bytes);
    } catch {
      throw run.fail(c, "an answer that is not JSON");
    }
    const echoes = [...payloadStrings(header), ...frames.echoes];
    const problem = badReply(reply, echoes);
    run.check(c, problem);
    const refused = reply.answer?.ok === false ? `refused ${reply.answer.code}` : undefined;
    run.count(reply.probed ? "session kept serving" : refused ?? (reply.answer ? "ok" : "closed"));
  } finally {
    closeQuietly(conn);
    if (owner) closeQuietly(owner.conn);
  }
}

Deno.test("fuzz: the fast channel answers or closes on random frames, and keeps serving", async () => {
  await using local = await serveLocal(await loadExporterConfig(VIRTUAL_BOARD));
  assert.ok(local.fast, "the local exporter offers the fast channel");
  const path = local.fast.path;
  let board: Board;
  {
    await using dut = await connect<VirtualBoard>(local.socketPath);
    board = {
      exporter: local.exporter.uuid,
      drivers: { power: dut.power.uuid, serial: dut.serial.uuid, storage: dut.storage.uuid },
    };
  }
  await fuzz(
    "fast channel frames",
    { cases: 3000, concurrency: 4 },
    (run, c) => fuzzCase(run, c, path, board),
  );
  await using dut = await connect<VirtualBoard>(local.socketPath);
  await dut.power.on();
  await dut.power.off();
  assert.equal((dut.session as { path?: string }).path, "fast", "still on the fast channel");
});
