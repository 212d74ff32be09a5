/**
 * The client side of the fast local channel (protocol in `protocol.ts`): a
 * session is a calls connection for unary and streaming driver calls
 * (`calls_connection.ts`) and one new connection per byte stream, upload or
 * download (`session_streams.ts`, `resource_transfers.ts`). The exporter's
 * side is `src/exporter/fast/server.ts`.
 *
 * @module
 */
import type { ResourceHandle } from "../../driver/resource_handle.ts";
import { UnavailableError } from "../../driver/errors.ts";
import type { Duplex } from "../../driver/stream.ts";
import { type ByteConn, closeQuietly } from "../byte_conn.ts";
import { CallsConnection } from "./calls_connection.ts";
import { dial, type FastTarget, targetName } from "./dial.ts";
import type { ExporterReport, SocketIdentity } from "./opening.ts";
import { VERSION } from "./protocol.ts";
import { download, type FastUploadOptions, upload } from "./resource_transfers.ts";
import { SessionStreams } from "./session_streams.ts";

/** A session on the fast channel of one exporter. */
export class FastChannel extends CallsConnection {
  readonly #streams: SessionStreams;

  private constructor(
    readonly target: FastTarget,
    readonly session: string,
    conn: ByteConn,
    /** The exporter's report and the socket it serves gRPC on, from the answer. */
    readonly exporter: { report?: ExporterReport; socket?: SocketIdentity },
  ) {
    super(conn);
    this.#streams = new SessionStreams(target, session, this.writer, () => this.failure);
  }

  /**
   * Opens the calls connection on `target`. With `exporterUuid` (from a gRPC
   * report that offered the channel) the exporter must be that one.
   */
  static async open(
    target: FastTarget,
    exporterUuid?: string,
    timeoutMs = 2000,
  ): Promise<FastChannel> {
    const { conn, answer } = await dial(
      target,
      { v: VERSION, kind: "calls", ...exporterUuid !== undefined && { exporter: exporterUuid } },
      timeoutMs,
    );
    const report = answer.report;
    if (
      typeof answer.session !== "string" || typeof report?.uuid !== "string" ||
      (exporterUuid !== undefined && report.uuid !== exporterUuid)
    ) {
      closeQuietly(conn);
      throw new UnavailableError(
        `The fast channel on ${targetName(target)} did not answer as exporter ${
          exporterUuid ?? "(any)"
        }`,
      );
    }
    return new FastChannel(target, answer.session, conn, {
      report: answer.report,
      socket: answer.socket,
    });
  }

  /** Opens a driver's byte stream; resolves once the exporter accepted it. */
  openStream(uuid: string, method: string): Promise<Duplex> {
    return this.#streams.openStream(uuid, method);
  }

  /** Uploads `source` as a resource for driver `uuid`. */
  upload(
    uuid: string,
    source: ReadableStream<Uint8Array>,
    options: FastUploadOptions = {},
  ): Promise<{ handle: ResourceHandle; done: Promise<number> }> {
    return upload(this.#streams, uuid, source, options);
  }

  /** Opens a resource the driver writes into; its bytes arrive on `readable`. */
  download(
    uuid: string,
  ): Promise<{ handle: ResourceHandle; readable: ReadableStream<Uint8Array> }> {
    return download(this.#streams, uuid);
  }

  /** Ends every call and stream of this session and closes its connections. */
  override close(): Promise<void> {
    const closing = super.close();
    this.#streams.closeAll();
    return closing;
  }
}
