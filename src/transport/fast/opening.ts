/**
 * The opening of every fast-channel connection (the rules are in
 * `protocol.ts`): the header a client sends, the exporter's answer, and
 * their encoding, each a u32 length and that many bytes of UTF-8 JSON.
 *
 * @module
 */
import { type ByteConn, readExactly } from "../byte_conn.ts";
import { MAX_FRAME } from "./protocol.ts";

/** The exporter's report, as GetReport gives it (JSON form). */
export interface ExporterReport {
  uuid: string;
  labels: Record<string, string>;
  reports: {
    uuid: string;
    parentUuid?: string;
    labels: Record<string, string>;
    description?: string;
    methodsDescription: Record<string, string>;
  }[];
  motd: string;
}

/** Which file a socket path is (device and inode): the same socket however it is named. */
export interface SocketIdentity {
  dev: number;
  ino: number;
}

/** A connection header (client → exporter). */
export type Header =
  | { v: number; kind: "calls"; exporter?: string }
  | { v: number; kind: "driver"; uuid: string; method: string; session: string }
  | {
    v: number;
    kind: "resource";
    uuid: string;
    x_jmp_content_encoding: string | null;
    session: string;
  };

/** The exporter's answer to a header. */
export type Answer =
  | {
    ok: true;
    session?: string;
    report?: ExporterReport;
    socket?: SocketIdentity;
    stream?: string;
    messages?: boolean;
    resource?: { kind: "client_stream"; uuid: string };
  }
  | { ok: false; code: string; message: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a header or answer: u32 length + JSON. */
export function encodeMessage(value: unknown): Uint8Array {
  const json = encoder.encode(JSON.stringify(value));
  const out = new Uint8Array(4 + json.byteLength);
  new DataView(out.buffer).setUint32(0, json.byteLength);
  out.set(json, 4);
  return out;
}

/**
 * Reads one header or answer (and not a byte more, so raw data that follows
 * stays in the socket for whoever reads next).
 */
export async function readMessage(conn: ByteConn): Promise<unknown> {
  const length = new Uint8Array(4);
  if (!await readExactly(conn, length)) {
    throw new Deno.errors.UnexpectedEof("The peer closed the connection before answering");
  }
  const size = new DataView(length.buffer).getUint32(0);
  if (size > MAX_FRAME) throw new RangeError(`Fast-channel message of ${size} bytes is too large`);
  const body = new Uint8Array(size);
  if (!await readExactly(conn, body)) {
    throw new Deno.errors.UnexpectedEof("The peer closed the connection mid-message");
  }
  return JSON.parse(decoder.decode(body));
}
