/**
 * Opening a connection on the fast channel (rules in `protocol.ts`): where
 * connections come from (`FastTarget`), and the dial that sends a header and
 * reads the exporter's answer, turning a refusal into the domain error it
 * names.
 *
 * @module
 */
import { DriverError, type ErrorCode } from "../../driver/driver_error.ts";
import { errorFromCode } from "../../driver/error_codes.ts";
import { messageOf } from "../../driver/error_message.ts";
import { UnavailableError } from "../../driver/errors.ts";
import { writeAll } from "../../driver/write_all.ts";
import { type ByteConn, closeQuietly } from "../byte_conn.ts";
import { type Answer, encodeMessage, type Header, readMessage } from "./opening.ts";

/**
 * Where the channel's connections come from: a unix socket path (`P.fast`
 * beside the gRPC socket, or a lease tunnel's), or a function that opens a
 * connection to the exporter's channel some other way (a router splice).
 */
export type FastTarget = string | { name: string; dial: () => Promise<ByteConn> };

/** How a target is named in errors. */
export function targetName(target: FastTarget): string {
  return typeof target === "string" ? target : target.name;
}

/** Opens a connection and exchanges the header and answer; the caller owns the connection. */
export async function dial(target: FastTarget, header: Header, timeoutMs: number): Promise<{
  conn: ByteConn;
  answer: Answer & { ok: true };
}> {
  let conn: ByteConn;
  try {
    conn = typeof target === "string"
      ? await Deno.connect({ transport: "unix", path: target })
      : await target.dial();
  } catch (error) {
    if (error instanceof DriverError) throw error;
    throw new UnavailableError(
      `Cannot reach the exporter's fast channel at ${targetName(target)}: ${messageOf(error)}`,
    );
  }
  const timer = setTimeout(() => closeQuietly(conn), timeoutMs);
  let answer: Answer;
  try {
    await writeAll(conn, encodeMessage(header));
    answer = await readMessage(conn) as Answer;
  } catch (error) {
    closeQuietly(conn);
    throw new UnavailableError(
      `The exporter did not answer on ${targetName(target)}: ${messageOf(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (!answer.ok) {
    closeQuietly(conn);
    throw errorFromCode(answer.code as ErrorCode, answer.message);
  }
  return { conn, answer };
}
