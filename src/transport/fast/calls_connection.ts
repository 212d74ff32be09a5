/**
 * The calls connection of a fast-channel session, client side (frames in
 * `protocol.ts`): unary and streaming driver calls multiplexed by call id, a
 * streaming call returning credit as its consumer takes items (so a slow
 * consumer holds the exporter back), and every pending call failed when the
 * connection ends.
 *
 * @module
 */
import type { DriverError, ErrorCode } from "../../driver/driver_error.ts";
import { errorFromCode } from "../../driver/error_codes.ts";
import { UnavailableError } from "../../driver/errors.ts";
import { argsValue } from "../../driver/json_value.ts";
import type { JsonValue } from "../../driver/json_value.ts";
import { type ByteConn, closeQuietly } from "../byte_conn.ts";
import { boundedTextFrame, numberFrame } from "./call_frames.ts";
import { readFrames } from "./frame_reader.ts";
import { FrameWriter } from "./frame_writer.ts";
import { CALL, CANCEL, CREDIT, ERROR, ITEM, RESULT, STREAM, WINDOW } from "./protocol.ts";
import { streamError } from "./stream_error.ts";

/** What a pending call does with the frames addressed to it. */
interface Pending {
  frame(type: number, payload: Uint8Array): void;
  fail(error: Error): void;
}

const decoder = new TextDecoder();

function parse(payload: Uint8Array): JsonValue {
  return JSON.parse(decoder.decode(payload));
}

function remoteError(payload: Uint8Array): DriverError {
  const { code, message } = parse(payload) as { code: ErrorCode; message: string };
  return errorFromCode(code, message);
}

/**
 * Driver calls on the calls connection of one session (`FastChannel` adds
 * the session's byte connections).
 */
export class CallsConnection {
  readonly #pending = new Map<number, Pending>();
  /** Sends on the calls connection (the session's DONE and ABANDON frames too). */
  protected readonly writer: FrameWriter;
  readonly #reading: Promise<void>;
  #nextId = 1;
  #failure: Error | undefined;

  constructor(readonly conn: ByteConn) {
    this.writer = new FrameWriter(conn, (error) => this.#fail(streamError(error) as Error));
    this.#reading = readFrames(conn, (id, type, payload) => {
      this.#pending.get(id)?.frame(type, payload);
    }).then(
      () => this.#fail(new UnavailableError("The exporter closed the fast channel")),
      (error) => this.#fail(streamError(error) as Error),
    );
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
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#id();
    let frame: Uint8Array;
    try {
      const payload = JSON.stringify([uuid, method, argsValue(args)]);
      frame = boundedTextFrame(id, CALL, payload, `The call of ${method}()`);
    } catch (error) {
      return Promise.reject(error);
    }
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
      this.writer.send(frame);
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
    const frame = boundedTextFrame(id, STREAM, payload, `The call of ${method}()`);
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
    this.writer.send(frame);
    let taken = 0;
    try {
      while (true) {
        if (signal?.aborted) return;
        if (items.length > 0) {
          const item = items.shift()!;
          if (++taken >= WINDOW / 2 && !ended) {
            this.writer.send(numberFrame(id, CREDIT, taken));
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
        this.writer.send(numberFrame(id, CANCEL));
      }
    }
  }

  /** Ends every call and closes the calls connection; resolves once its reader stopped. */
  async close(): Promise<void> {
    this.#fail(errorFromCode("cancelled", "The session was closed"));
    await this.#reading;
  }
}
