/**
 * One client session on the fast channel, exporter side: its calls
 * connection, whose CALL and STREAM frames run driver calls through the
 * exporter's dispatch (`../dispatch.ts`) and whose CANCEL, CREDIT, DONE and
 * ABANDON frames steer the calls and byte connections it runs; and its end,
 * which stops them all.
 *
 * @module
 */
import { toJsonValue } from "../../driver/json_value.ts";
import { type ByteConn, closeQuietly } from "../../transport/byte_conn.ts";
import { boundedTextFrame, numberFrame, textFrame, u32 } from "../../transport/fast/call_frames.ts";
import { readFrames } from "../../transport/fast/frame_reader.ts";
import { FrameWriter } from "../../transport/fast/frame_writer.ts";
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
} from "../../transport/fast/protocol.ts";
import { callDriver, streamDriver } from "../dispatch.ts";
import type { Exporter } from "../exporter.ts";
import { errorAnswer } from "./answers.ts";
import { RunningStream } from "./running_stream.ts";
import type { FastStats } from "./stats.ts";
import { TrackedStreams } from "./tracked_streams.ts";

const decoder = new TextDecoder();

/** One client session: its calls connection and the byte connections it opened. */
export class Session {
  readonly id = crypto.randomUUID();
  readonly #running = new Map<number, RunningStream>();
  /** The byte connections this session opened. */
  readonly streams = new TrackedStreams();
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
      case CANCEL:
        this.#running.get(id)?.cancel();
        return;
      case CREDIT:
        this.#running.get(id)?.grant(u32(payload));
        return;
      case DONE:
        this.streams.done(decoder.decode(payload));
        return;
      case ABANDON:
        this.streams.abandon(decoder.decode(payload));
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
      const answer = JSON.stringify(toJsonValue(result, "result"));
      this.writer.send(boundedTextFrame(id, RESULT, answer, `The result of ${method}()`));
    } catch (error) {
      this.#error(id, error);
    }
  }

  async #streaming(id: number, payload: Uint8Array): Promise<void> {
    const running = new RunningStream();
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
        const answer = JSON.stringify(toJsonValue(item, "result"));
        this.writer.send(boundedTextFrame(id, ITEM, answer, `An item of ${method}()`));
      }
      if (!signal.aborted) this.writer.send(numberFrame(id, END));
    } catch (error) {
      if (!signal.aborted) this.#error(id, error);
    } finally {
      this.#running.delete(id);
    }
  }

  /** Ends the session: its calls stop, its byte connections close, its resources fail. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    closeQuietly(this.conn);
    for (const running of this.#running.values()) running.cancel();
    this.streams.end();
  }
}

/** Reads the payload of a CALL or STREAM frame: `[driver uuid, method, [args...]]`. */
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
