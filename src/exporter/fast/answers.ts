/**
 * The exporter's answers to a fast-channel header that it refuses (rules in
 * `src/transport/fast/protocol.ts`): an error as its wire form, and sending
 * it before the connection closes.
 *
 * @module
 */
import { errorCodeOf } from "../../driver/error_codes.ts";
import { messageOf } from "../../driver/error_message.ts";
import { writeAll } from "../../driver/write_all.ts";
import type { ByteConn } from "../../transport/byte_conn.ts";
import { encodeMessage } from "../../transport/fast/opening.ts";

/** An error as a refusing answer (and, without `ok`, an ERROR frame's payload). */
export function errorAnswer(error: unknown): { ok: false; code: string; message: string } {
  return { ok: false, code: errorCodeOf(error), message: messageOf(error) };
}

/** Sends an answer, then the caller closes. */
export async function answer(conn: ByteConn, message: unknown): Promise<void> {
  await writeAll(conn, encodeMessage(message)).catch(() => {});
}
