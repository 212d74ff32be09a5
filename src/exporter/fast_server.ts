/**
 * The exporter side of the fast local channel (protocol in
 * `src/transport/fast/protocol.ts`): a unix socket beside the gRPC one,
 * dispatching through the exporter (`dispatch.ts`) exactly as the gRPC
 * service does.
 *
 * One concept past 400 lines: the server half of one protocol (calls,
 * credits, streams, resources on one connection state), kept in step with
 * `src/transport/fast/client.ts`.
 *
 * @module
 */
import { errorCodeOf, messageOf, UnavailableError } from "../driver/errors.ts";
import type { Exporter } from "./exporter.ts";
import { callDriver, openDriverStream, openResource, streamDriver } from "./dispatch.ts";
import { streamTargetOf } from "./stream_target.ts";
import type { OpenResource } from "./resources.ts";
import { chunksReleased, hasMessageChunks, writeAll } from "../driver/stream.ts";
import { numberFrame, textFrame, u32 } from "../transport/fast/call_frames.ts";
import { FrameWriter } from "../transport/fast/frame_writer.ts";
import { readFrames } from "../transport/fast/frame_reader.ts";
import { toJsonValue } from "../driver/json_value.ts";
import { connDuplex } from "../transport/conn_duplex.ts";
import {
  ABANDON,
  CALL,
  CANCEL,
  CREDIT,
  DONE,
  END,
  ERROR,
  ITEM,
  RESULT,
  STREAM,
  VERSION,
  WINDOW,
} from "../transport/fast/protocol.ts";
import {
  encodeMessage,
  type ExporterReport,
  type Header,
  readMessage,
  type SocketIdentity,
} from "../transport/fast/opening.ts";
import { type ByteConn, closeQuietly } from "../transport/byte_conn.ts";

/** What the fast channel served so far (tests and benchmarks read it). */
export interface FastStats {
  /** Calls connections (one per client session). */
  sessions: number;
  /** Unary and streaming calls. */
  calls: number;
  /** Byte streams and resources. */
  streams: number;
}

/** A listening fast channel. */
export interface FastServer extends AsyncDisposable {
  readonly path: string;
  readonly stats: FastStats;
  /**
   * Serves a connection that arrived another way (a router splice to a
   * distributed exporter), exactly as one accepted on the socket; resolves
   * once it is closed.
   */
  serve(conn: ByteConn): Promise<void>;
  /** Stops listening, closes every connection, removes the socket. */
  close(): Promise<void>;
}

/** A client gets this long to send its header. */
const HEADER_TIMEOUT_MS = 10_000;
const decoder = new TextDecoder();

function errorAnswer(error: unknown) {
  return { ok: false, code: errorCodeOf(error), message: messageOf(error) };
}

/** A running streaming call. */
interface Running {
  abort: AbortController;
  credit: number;
  wake?: () => void;
}

/** A byte connection of a session. */
interface Tracked {
  /** Closes the connection at once. */
  close(): void;
  resource?: OpenResource;
  /** Waiting for DONE before handing end of data to the driver. */
  waiter?: { resolve: () => void; reject: (error: unknown) => void };
  /** DONE arrived before the end of data was read. */
  done?: boolean;
}

const clientLeft = () => new UnavailableError("The client left before the stream ended");

/** One client session: its calls connection and the byte connections it opened. */
class Session {
  readonly id = crypto.randomUUID();
  readonly #running = new Map<number, Running>();
  readonly #streams = new Map<string, Tracked>();
  #ended = false;
  readonly writer: FrameWriter;

  constructor(
    readonly conn: ByteConn,
    readonly exporter: Exporter,
    readonly stats: FastStats,
  ) {
    this.writer = new FrameWriter(conn, () => closeQuietly(conn));
  }

  async serve(): Promise<void> {
    try {
      await readFrames(this.conn, (id, type, payload) => this.#onFrame(id, type, payload));
    } catch {
      // A reset or malformed frame ends the session like a close.
    } finally {
      this.end();
    }
  }

  #onFrame(id: number, type: number, payload: Uint8Array): void {
    switch (type) {
      case CALL:
        this.stats.calls++;
        void this.#unary(id, payload);
        return;
      case STREAM:
        this.stats.calls++;
        void this.#streaming(id, payload);
        return;
      case CANCEL: {
        const running = this.#running.get(id);
        running?.abort.abort();
        running?.wake?.();
        return;
      }
      case CREDIT: {
        const running = this.#running.get(id);
        if (!running) return;
        running.credit += u32(payload);
        running.wake?.();
        return;
      }
      case DONE:
        this.#done(decoder.decode(payload));
        return;
      case ABANDON:
        this.#abandon(this.#streams.get(decoder.decode(payload)), abandoned());
        return;
      default:
        // An unknown frame type from a newer client: refuse that call only.
        this.writer.send(textFrame(
          id,
          ERROR,
          JSON.stringify({ code: "unimplemented", message: `Unknown frame type ${type}` }),
        ));
    }
  }

  #error(id: number, error: unknown): void {
    const { code, message } = errorAnswer(error);
    this.writer.send(textFrame(id, ERROR, JSON.stringify({ code, message })));
  }

  async #unary(id: number, payload: Uint8Array): Promise<void> {
    try {
      const [uuid, method, args] = parseCall(payload);
      const result = await callDriver(this.exporter, uuid, method, args);
      this.writer.send(textFrame(id, RESULT, JSON.stringify(toJsonValue(result, "result"))));
    } catch (error) {
      this.#error(id, error);
    }
  }

  async #streaming(id: number, payload: Uint8Array): Promise<void> {
    const running: Running = { abort: new AbortController(), credit: WINDOW };
    const signal = running.abort.signal;
    this.#running.set(id, running);
    try {
      const [uuid, method, args] = parseCall(payload);
      for await (const item of streamDriver(this.exporter, uuid, method, args, signal)) {
        while (running.credit === 0 && !signal.aborted) {
          await new Promise<void>((resolve) => running.wake = resolve);
          running.wake = undefined;
        }
        if (signal.aborted) break;
        running.credit--;
        this.writer.send(textFrame(id, ITEM, JSON.stringify(toJsonValue(item, "result"))));
      }
      if (!signal.aborted) this.writer.send(numberFrame(id, END));
    } catch (error) {
      if (!signal.aborted) this.#error(id, error);
    } finally {
      this.#running.delete(id);
    }
  }

  /** Tracks a byte connection of this session under `id` until the returned function runs. */
  track(id: string, tracked: Tracked): () => void {
    if (this.#ended) {
      tracked.resource?.fail(clientLeft());
      tracked.close();
    }
    this.#streams.set(id, tracked);
    return () => this.#streams.delete(id);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves once the client confirmed (DONE) the end of its data on stream `id`. */
  confirmed(id: string): Promise<void> {
    const tracked = this.#streams.get(id);
    if (!tracked || this.#ended) return Promise.reject(clientLeft());
    if (tracked.done) return Promise.resolve();
    return new Promise((resolve, reject) => tracked.waiter = { resolve, reject });
  }

  #done(id: string): void {
    const tracked = this.#streams.get(id);
    if (!tracked) return;
    tracked.done = true;
    tracked.waiter?.resolve();
    tracked.waiter = undefined;
  }

  #abandon(tracked: Tracked | undefined, reason: Error): void {
    if (!tracked) return;
    tracked.waiter?.reject(reason);
    tracked.waiter = undefined;
    tracked.resource?.fail(reason);
    tracked.close();
  }

  /** Ends the session: its calls stop, its byte connections close, its resources fail. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    closeQuietly(this.conn);
    for (const running of this.#running.values()) {
      running.abort.abort();
      running.wake?.();
    }
    for (const tracked of this.#streams.values()) this.#abandon(tracked, clientLeft());
    this.#streams.clear();
  }
}

const abandoned = () => new UnavailableError("The client abandoned the stream");

function parseCall(payload: Uint8Array): [string, string, unknown[]] {
  let call: unknown;
  try {
    call = JSON.parse(decoder.decode(payload));
  } catch {
    throw new TypeError("Malformed call frame: its payload is not JSON");
  }
  if (
    !Array.isArray(call) || typeof call[0] !== "string" || typeof call[1] !== "string" ||
    !Array.isArray(call[2])
  ) {
    throw new TypeError("Malformed call frame: expected [driver uuid, method, [args...]]");
  }
  return call as [string, string, unknown[]];
}

/** What the calls answer tells a client about the exporter. */
export interface FastOptions {
  /** The report, as GetReport gives it (labels included). */
  report: () => ExporterReport;
  /** The gRPC socket this channel sits beside. */
  socket: SocketIdentity;
}

/** Listens on `path` (a unix socket created mode 0600) for fast-channel clients of `exporter`. */
export async function serveFast(
  path: string,
  exporter: Exporter,
  options: FastOptions,
): Promise<FastServer> {
  const listener = Deno.listen({ transport: "unix", path });
  try {
    await Deno.chmod(path, 0o600);
  } catch (error) {
    listener.close();
    throw error;
  }
  const stats: FastStats = { sessions: 0, calls: 0, streams: 0 };
  const sessions = new Map<string, Session>();
  const conns = new Set<ByteConn>();
  const tasks = new Set<Promise<void>>();

  const handle = async (conn: ByteConn) => {
    conns.add(conn);
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
        if (header.exporter !== undefined && header.exporter !== exporter.uuid) {
          await answer(conn, {
            ok: false,
            code: "failed_precondition",
            message: `This socket serves exporter ${exporter.uuid}, not ${header.exporter}`,
          });
          return;
        }
        const session = new Session(conn, exporter, stats);
        stats.sessions++;
        sessions.set(session.id, session);
        try {
          await writeAll(
            conn,
            encodeMessage({
              ok: true,
              session: session.id,
              report: options.report(),
              socket: options.socket,
            }),
          );
          await session.serve();
        } finally {
          sessions.delete(session.id);
        }
        return;
      }
      const target = streamTargetOf(header);
      const session = sessions.get((header as { session?: string }).session ?? "");
      if (!session) {
        await answer(conn, {
          ok: false,
          code: "failed_precondition",
          message: "A fast-channel stream needs the session id of an open calls connection",
        });
        return;
      }
      stats.streams++;
      if (target.kind === "driver") await serveStream(conn, exporter, target, session);
      else await serveResource(conn, exporter, target, session);
    } catch {
      // A client that vanished or spoke nonsense: drop its connection.
    } finally {
      conns.delete(conn);
      closeQuietly(conn);
    }
  };

  let closed = false;
  const accept = (conn: ByteConn): Promise<void> => {
    if (closed) {
      closeQuietly(conn);
      return Promise.resolve();
    }
    const task = handle(conn);
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
    return task;
  };
  const accepting = (async () => {
    for await (const conn of listener) void accept(conn);
  })().catch(() => {});

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      closed = true;
      try {
        listener.close();
      } catch { /* closed */ }
      await accepting;
      // Sessions first: they close their streams through both directions, so a
      // driver that never produces data still sees its stream end.
      for (const session of sessions.values()) session.end();
      for (const conn of conns) closeQuietly(conn);
      await Promise.allSettled([...tasks]);
      await Deno.remove(path).catch(() => {});
    })();
  return { path, stats, serve: accept, close, [Symbol.asyncDispose]: close };
}

/** Sends an answer, then the caller closes. */
async function answer(conn: ByteConn, message: unknown): Promise<void> {
  await writeAll(conn, encodeMessage(message)).catch(() => {});
}

/** Serves a driver's byte stream: both directions pumped until both end. */
async function serveStream(
  conn: ByteConn,
  exporter: Exporter,
  target: { uuid: string; method: string },
  session: Session,
): Promise<void> {
  let duplex;
  try {
    duplex = await openDriverStream(exporter, target.uuid, target.method);
  } catch (error) {
    await answer(conn, errorAnswer(error));
    return;
  }
  const id = crypto.randomUUID();
  const messages = hasMessageChunks(duplex);
  const socket = connDuplex(conn, { messages });
  const untrack = session.track(id, { close: socket.close });
  try {
    await writeAll(conn, encodeMessage({ ok: true, stream: id, ...messages && { messages } }));
    await Promise.allSettled([
      // A driver that is done with each chunk once written gets the bytes in reused buffers.
      !messages && chunksReleased(duplex.writable)
        ? socket.pumpTo(duplex.writable)
        : socket.readable.pipeTo(duplex.writable),
      duplex.readable.pipeTo(socket.writable),
    ]);
  } catch (error) {
    // The client left before the answer: end the driver's side too.
    await Promise.allSettled([duplex.writable.abort(error), duplex.readable.cancel(error)]);
  } finally {
    untrack();
    socket.close();
  }
}

/**
 * Serves a resource: what the client sends is offered (expanded) to the
 * driver method that gets the handle, its end confirmed by the session's
 * DONE; what that method writes goes back until the method is done with it,
 * which ends the connection (as the gRPC call ends).
 */
async function serveResource(
  conn: ByteConn,
  exporter: Exporter,
  target: { uuid: string; encoding: string | null },
  session: Session,
): Promise<void> {
  let id = "";
  const socket = connDuplex(conn, {
    beforeEnd: () => session.confirmed(id),
    // A plain upload can be read straight into the driver's buffers; an encoded one
    // goes through the decoder, which reads the stream.
    directReads: target.encoding === null,
  });
  let resource: OpenResource;
  try {
    resource = openResource(exporter, target, socket.readable);
  } catch (error) {
    await answer(conn, errorAnswer(error));
    return;
  }
  id = resource.handle.uuid;
  const untrack = session.track(id, { close: socket.close, resource });
  try {
    await writeAll(conn, encodeMessage({ ok: true, stream: id, resource: resource.handle }));
    await resource.outgoing.pipeTo(socket.writable);
  } catch (error) {
    resource.fail(error);
  } finally {
    untrack();
    socket.close();
    exporter.resources.delete(id);
  }
}
