/**
 * One connection accepted on the fast channel, exporter side: its header
 * read (within a time limit) and checked, then served as what it names: a
 * calls connection starts a session (its answer carries the exporter's
 * report), a driver stream or resource joins the open session it names.
 *
 * @module
 */
import { writeAll } from "../../driver/write_all.ts";
import { type ByteConn, closeQuietly } from "../../transport/byte_conn.ts";
import {
  encodeMessage,
  type ExporterReport,
  type Header,
  readMessage,
  type SocketIdentity,
} from "../../transport/fast/opening.ts";
import { VERSION } from "../../transport/fast/protocol.ts";
import type { Exporter } from "../exporter.ts";
import { streamTargetOf } from "../stream_target.ts";
import { answer } from "./answers.ts";
import { serveStream } from "./driver_stream.ts";
import { serveResource } from "./resource.ts";
import { Session } from "./session.ts";
import type { FastStats } from "./stats.ts";

/** A client gets this long to send its header. */
const HEADER_TIMEOUT_MS = 10_000;

/** What the calls answer tells a client about the exporter. */
export interface FastOptions {
  /** The report, as GetReport gives it (labels included). */
  report: () => ExporterReport;
  /** The gRPC socket this channel sits beside. */
  socket: SocketIdentity;
}

/** What a fast channel shares with every connection it serves. */
export interface Served {
  exporter: Exporter;
  options: FastOptions;
  stats: FastStats;
  /** Open sessions by id. */
  sessions: Map<string, Session>;
  /** Open connections, closed with the channel. */
  conns: Set<ByteConn>;
}

/** Serves one connection until it is done, then closes it. */
export async function serveConnection(conn: ByteConn, served: Served): Promise<void> {
  served.conns.add(conn);
  try {
    let header: Header;
    const timer = setTimeout(() => closeQuietly(conn), HEADER_TIMEOUT_MS);
    try {
      header = await readMessage(conn) as Header;
    } finally {
      clearTimeout(timer);
    }
    if (header?.v !== VERSION) {
      await answer(conn, {
        ok: false,
        code: "unimplemented",
        message:
          `Fast-channel version ${header?.v} is not supported (this exporter speaks ${VERSION})`,
      });
      return;
    }
    if (header.kind === "calls") {
      if (header.exporter !== undefined && header.exporter !== served.exporter.uuid) {
        await answer(conn, {
          ok: false,
          code: "failed_precondition",
          message: `This socket serves exporter ${served.exporter.uuid}, not ${header.exporter}`,
        });
        return;
      }
      const session = new Session(conn, served.exporter, served.stats);
      served.stats.sessions++;
      served.sessions.set(session.id, session);
      try {
        await writeAll(
          conn,
          encodeMessage({
            ok: true,
            session: session.id,
            report: served.options.report(),
            socket: served.options.socket,
          }),
        );
        await session.serve();
      } finally {
        served.sessions.delete(session.id);
      }
      return;
    }
    const target = streamTargetOf(header);
    const session = served.sessions.get((header as { session?: string }).session ?? "");
    if (!session) {
      await answer(conn, {
        ok: false,
        code: "failed_precondition",
        message: "A fast-channel stream needs the session id of an open calls connection",
      });
      return;
    }
    served.stats.streams++;
    if (target.kind === "driver") await serveStream(conn, served.exporter, target, session.streams);
    else await serveResource(conn, served.exporter, target, session.streams);
  } catch {
    // A client that vanished or spoke nonsense: drop its connection.
  } finally {
    served.conns.delete(conn);
    closeQuietly(conn);
  }
}
