/**
 * The client side of the fast local channel (protocol in `protocol.ts`):
 * a calls connection for unary and streaming driver calls, and one new
 * connection per byte stream, upload or download.
 *
 * One concept past 400 lines: the client half of one protocol, whose calls,
 * flow-control credits and stream openings share the connection state and
 * must change together with `src/exporter/fast_server.ts`.
 *
 * @module
 */
import type { ResourceHandle } from "../../driver/driver.ts";
import {
  DriverError,
  type ErrorCode,
  errorFromCode,
  messageOf,
  UnavailableError,
} from "../../driver/errors.ts";
import { directReads, type Duplex, writeAll } from "../../driver/stream.ts";
import type { JsonValue } from "../../driver/value.ts";
import { numberFrame, textFrame } from "./call_frames.ts";
import { FrameWriter } from "./frame_writer.ts";
import { readFrames } from "./frame_reader.ts";
import { argsValue } from "../../driver/json_value.ts";
import { type ConnDuplex, connDuplex } from "../conn_duplex.ts";
import {
  ABANDON,
  CALL,
  CANCEL,
  CREDIT,
  DONE,
  ERROR,
  ITEM,
  RESULT,
  STREAM,
  VERSION,
  WINDOW,
} from "./protocol.ts";
import {
  type Answer,
  encodeMessage,
  type ExporterReport,
  type Header,
  readMessage,
  type SocketIdentity,
} from "./opening.ts";
import { type ByteConn, closeQuietly } from "../byte_conn.ts";

/** What a pending call does with the frames addressed to it. */
interface Pending {
  frame(type: number, payload: Uint8Array): void;
  fail(error: Error): void;
}

/** Upload options, as `ClientSession.upload` takes them. */
export interface FastUploadOptions {
  size?: number;
  encoding?: string | null;
  onProgress?: (sent: number, total: number | undefined) => void;
}

const decoder = new TextDecoder();

function parse(payload: Uint8Array): JsonValue {
  return JSON.parse(decoder.decode(payload));
}

function remoteError(payload: Uint8Array): DriverError {
  const { code, message } = parse(payload) as { code: ErrorCode; message: string };
  return errorFromCode(code, message);
}

/** A read or write failure on a byte connection, as the client reports it. */
function streamError(error: unknown): unknown {
  if (error instanceof DriverError) return error;
  if (error instanceof Deno.errors.Interrupted) return new UnavailableError("Stream closed");
  return new UnavailableError(`The exporter ended the stream: ${messageOf(error)}`, {
    cause: error,
  });
}

/**
 * Where the channel's connections come from: a unix socket path (`P.fast`
 * beside the gRPC socket, or a lease tunnel's), or a function that opens a
 * connection to the exporter's channel some other way (a router splice).
 */
export type FastTarget = string | { name: string; dial: () => Promise<ByteConn> };

function targetName(target: FastTarget): string {
  return typeof target === "string" ? target : target.name;
}

/** Opens a connection and exchanges the header and answer; the caller owns the connection. */
async function dial(target: FastTarget, header: Header, timeoutMs: number): Promise<{
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

/** A session on the fast channel of one exporter. */
export class FastChannel {
  readonly #pending = new Map<number, Pending>();
  readonly #writer: FrameWriter;
  readonly #streams = new Set<() => void>();
  readonly #reading: Promise<void>;
  #nextId = 1;
  #failure: Error | undefined;

  private constructor(
    readonly target: FastTarget,
    readonly session: string,
    readonly conn: ByteConn,
    /** The exporter's report and the socket it serves gRPC on, from the answer. */
    readonly exporter: { report?: ExporterReport; socket?: SocketIdentity },
  ) {
    this.#writer = new FrameWriter(conn, (error) => this.#fail(streamError(error) as Error));
    this.#reading = readFrames(conn, (id, type, payload) => {
      this.#pending.get(id)?.frame(type, payload);
    }).then(
      () => this.#fail(new UnavailableError("The exporter closed the fast channel")),
      (error) => this.#fail(streamError(error) as Error),
    );
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

  /**
   * Why the calls connection ended (the exporter went away, or a router
   * replica carrying it did), or undefined while it is open.
   */
  get failure(): Error | undefined {
    return this.#failure;
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    closeQuietly(this.conn);
    for (const pending of this.#pending.values()) pending.fail(error);
    this.#pending.clear();
  }

  #id(): number {
    const id = this.#nextId;
    this.#nextId = id === 0xffffffff ? 1 : id + 1;
    return id;
  }

  call(uuid: string, method: string, args: unknown[]): Promise<JsonValue> {
    let payload: string;
    try {
      payload = JSON.stringify([uuid, method, argsValue(args)]);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#id();
    return new Promise<JsonValue>((resolve, reject) => {
      this.#pending.set(id, {
        frame: (type, body) => {
          this.#pending.delete(id);
          if (type === RESULT) resolve(parse(body));
          else if (type === ERROR) reject(remoteError(body));
          else reject(new UnavailableError(`Unexpected frame type ${type} for a unary call`));
        },
        fail: reject,
      });
      this.#writer.send(textFrame(id, CALL, payload));
    });
  }

  async *streamingCall(
    uuid: string,
    method: string,
    args: unknown[],
    signal?: AbortSignal,
  ): AsyncGenerator<JsonValue> {
    const payload = JSON.stringify([uuid, method, argsValue(args)]);
    if (this.#failure) throw this.#failure;
    if (signal?.aborted) return;
    const id = this.#id();
    const items: JsonValue[] = [];
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    this.#pending.set(id, {
      frame: (type, body) => {
        if (type === ITEM) items.push(parse(body));
        else {
          ended = true;
          this.#pending.delete(id);
          if (type === ERROR) failure = remoteError(body);
        }
        wake?.();
      },
      fail: (error) => {
        ended = true;
        failure = error;
        wake?.();
      },
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    this.#writer.send(textFrame(id, STREAM, payload));
    let taken = 0;
    try {
      while (true) {
        if (signal?.aborted) return;
        if (items.length > 0) {
          const item = items.shift()!;
          if (++taken >= WINDOW / 2 && !ended) {
            this.#writer.send(numberFrame(id, CREDIT, taken));
            taken = 0;
          }
          yield item;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (!ended) {
        this.#pending.delete(id);
        this.#writer.send(numberFrame(id, CANCEL));
      }
    }
  }

  /** Opens a connection for a byte stream or resource; closing the session closes it. */
  async #open(header: Header): Promise<{ conn: ByteConn; answer: Answer & { ok: true } }> {
    if (this.#failure) throw this.#failure;
    return await dial(this.target, header, 10_000);
  }

  /**
   * Wraps a byte connection: giving it up (cancel, abort) tells the exporter
   * (ABANDON); for a resource, closing the writable confirms the data (DONE).
   */
  #duplex(conn: ByteConn, id: string, options: {
    confirm?: boolean;
    messages?: boolean;
    onWrite?: (bytes: number) => void;
  } = {}): ConnDuplex {
    const socket = connDuplex(conn, {
      messages: options.messages,
      mapError: streamError,
      onWrite: options.onWrite,
      onGiveUp: () => this.#writer.send(textFrame(0, ABANDON, id)),
      beforeHalfClose: options.confirm
        ? () => this.#writer.send(textFrame(0, DONE, id))
        : undefined,
      onClose: () => this.#streams.delete(socket.close),
    });
    this.#streams.add(socket.close);
    return socket;
  }

  /** Opens a driver's byte stream; resolves once the exporter accepted it. */
  async openStream(uuid: string, method: string): Promise<Duplex> {
    const { conn, answer } = await this.#open({
      v: VERSION,
      kind: "driver",
      uuid,
      method,
      session: this.session,
    });
    const socket = this.#duplex(conn, answer.stream ?? "", { messages: answer.messages === true });
    return { readable: socket.readable, writable: socket.writable };
  }

  /** Uploads `source` as a resource for driver `uuid`. */
  async upload(
    uuid: string,
    source: ReadableStream<Uint8Array>,
    options: FastUploadOptions = {},
  ): Promise<{ handle: ResourceHandle; done: Promise<number> }> {
    const { conn, answer } = await this.#open({
      v: VERSION,
      kind: "resource",
      uuid,
      x_jmp_content_encoding: options.encoding ?? null,
      session: this.session,
    });
    if (!answer.resource) {
      closeQuietly(conn);
      throw new UnavailableError("The exporter answered without a resource handle");
    }
    let sent = 0;
    const duplex = this.#duplex(conn, answer.stream ?? answer.resource.uuid, {
      confirm: true,
      onWrite: (bytes) => {
        sent += bytes;
        options.onProgress?.(sent, options.size);
      },
    });
    // A source that can be read into our buffers (a local file) skips the stream's chunks.
    const read = directReads(source);
    const push = read
      ? duplex.pumpFrom(read).catch(async (error) => {
        await source.cancel(error).catch(() => {});
        throw error;
      })
      : source.pipeTo(duplex.writable);
    const done = (async () => {
      const [pushed, answered] = await Promise.allSettled([
        push,
        duplex.readable.pipeTo(new WritableStream()),
      ]);
      if (pushed.status === "rejected") throw pushed.reason;
      if (answered.status === "rejected") throw answered.reason;
      return sent;
    })();
    // The caller awaits `done` beside the driver call; never leave it unhandled meanwhile.
    done.catch(() => {});
    return { handle: answer.resource, done };
  }

  /** Opens a resource the driver writes into; its bytes arrive on `readable`. */
  async download(
    uuid: string,
  ): Promise<{ handle: ResourceHandle; readable: ReadableStream<Uint8Array> }> {
    const { conn, answer } = await this.#open({
      v: VERSION,
      kind: "resource",
      uuid,
      x_jmp_content_encoding: null,
      session: this.session,
    });
    if (!answer.resource) {
      closeQuietly(conn);
      throw new UnavailableError("The exporter answered without a resource handle");
    }
    const duplex = this.#duplex(conn, answer.stream ?? answer.resource.uuid, { confirm: true });
    // Nothing to send: end our side at once (the exporter keeps its side open for the driver).
    duplex.writable.close().catch(() => {});
    return { handle: answer.resource, readable: duplex.readable };
  }

  /** Ends every call and stream of this session and closes its connections. */
  async close(): Promise<void> {
    this.#fail(errorFromCode("cancelled", "The session was closed"));
    for (const close of [...this.#streams]) close();
    this.#streams.clear();
    await this.#reading;
  }
}
