/**
 * gRPC's framing on HTTP/2, for the hot calls an exporter serves without
 * Connect's general pipeline (`src/exporter/grpc_fast.ts`): the 5-byte
 * length prefix of each message, the RouterService frame messages
 * (`StreamRequest`/`StreamResponse`: bytes payload = 1, FrameType = 2) and
 * the status trailers. Only what the gRPC spec and `proto/` say is on the
 * wire; a request this does not cover (compressed, another content type) is
 * left to Connect.
 *
 * @module
 */
import type * as http2 from "node:http2";
import { Buffer } from "node:buffer";
import type { Code } from "@connectrpc/connect";
import type { Frame } from "./frames.ts";

/** Largest message accepted (as the Connect server's `readMaxBytes`). */
export const MAX_MESSAGE = 16 * 1024 * 1024;

/** A request framing that is not plain gRPC: answered with this status. */
export class GrpcWireError extends Error {
  constructor(readonly code: Code, message: string) {
    super(message);
    this.name = "GrpcWireError";
  }
}

/** The content types of binary gRPC (a request with any other is Connect's to serve). */
export function isPlainGrpc(headers: http2.IncomingHttpHeaders): boolean {
  const type = headers["content-type"];
  const encoding = headers["grpc-encoding"];
  return (type === "application/grpc" || type === "application/grpc+proto") &&
    (encoding === undefined || encoding === "identity");
}

/**
 * Splits a gRPC body, arriving in any chunks, into messages (without their
 * prefix). A message inside one chunk is a view of it; one spread over
 * several is copied once.
 */
export class MessageReader {
  #chunks: Uint8Array[] = [];
  #size = 0;

  /** Adds a chunk; returns the messages it completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    const out: Uint8Array[] = [];
    while (this.#size >= 5) {
      const head = this.#peek(5);
      if (head[0] !== 0) {
        throw new GrpcWireError(
          12 as Code,
          "Compressed messages are not accepted here (grpc-encoding identity)",
        );
      }
      const length = ((head[1] << 24) >>> 0) + (head[2] << 16) + (head[3] << 8) + head[4];
      if (length > MAX_MESSAGE) {
        throw new GrpcWireError(
          8 as Code,
          `Message of ${length} bytes is over the limit of ${MAX_MESSAGE}`,
        );
      }
      if (this.#size < 5 + length) break;
      out.push(this.#take(5 + length).subarray(5));
    }
    return out;
  }

  /** True when no part of a message is held (the body may end here). */
  get empty(): boolean {
    return this.#size === 0;
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first.byteLength >= n) return first;
    return this.#gather(n, false);
  }

  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    this.#size -= n;
    if (first.byteLength > n) {
      this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.byteLength === n) {
      this.#chunks.shift();
      return first;
    }
    return this.#gather(n, true);
  }

  #gather(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const chunk = this.#chunks[i];
      const part = Math.min(chunk.byteLength, n - filled);
      out.set(part === chunk.byteLength ? chunk : chunk.subarray(0, part), filled);
      filled += part;
      if (consume) {
        if (part === chunk.byteLength) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(part);
      } else i++;
    }
    return out;
  }
}

/** One message with its gRPC prefix (uncompressed). */
export function envelope(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.byteLength);
  out[0] = 0;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
}

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/**
 * A StreamRequest/StreamResponse with its gRPC prefix, as protobuf encodes it
 * (field 1 only when the payload is not empty, field 2 only when not DATA).
 */
export function frameEnvelope(payload: Uint8Array, frameType: number): Buffer {
  const body =
    (payload.byteLength > 0 ? 1 + varintLength(payload.byteLength) + payload.byteLength : 0) +
    (frameType !== 0 ? 1 + varintLength(frameType) : 0);
  const out = Buffer.allocUnsafe(5 + body);
  out[0] = 0;
  out.writeUInt32BE(body, 1);
  let at = 5;
  if (payload.byteLength > 0) {
    out[at++] = 0x0a;
    at = writeVarint(out, at, payload.byteLength);
    out.set(payload, at);
    at += payload.byteLength;
  }
  if (frameType !== 0) {
    out[at++] = 0x10;
    writeVarint(out, at, frameType);
  }
  return out;
}

/** Reads a StreamRequest/StreamResponse message (unknown fields skipped, as protobuf does). */
export function decodeFrame(message: Uint8Array): Frame {
  let payload = message.subarray(0, 0);
  let frameType = 0;
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= message.byteLength) break;
      const byte = message[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new GrpcWireError(13 as Code, "Malformed varint in a stream frame");
  };
  while (at < message.byteLength) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const value = varint();
      // Enum values are int32: a negative one arrives as a 10-byte varint; none is a FrameType.
      if (field === 2) frameType = value;
    } else if (wire === 2) {
      const length = varint();
      if (at + length > message.byteLength) {
        throw new GrpcWireError(13 as Code, "Truncated field in a stream frame");
      }
      if (field === 1) payload = message.subarray(at, at + length);
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new GrpcWireError(13 as Code, `Unsupported wire type ${wire} in a stream frame`);
  }
  if (at > message.byteLength) throw new GrpcWireError(13 as Code, "Truncated stream frame");
  return { payload, frameType };
}

/** gRPC's percent-encoding of `grpc-message`: UTF-8, bytes outside printable ASCII and `%` escaped. */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(message)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The status trailers of a call. */
export function statusTrailers(code: number, message = ""): Record<string, string> {
  return code === 0
    ? { "grpc-status": "0" }
    : { "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) };
}

/** Resolves when an HTTP/2 stream (either end's) can take more writes, or has closed. */
export function drained(
  stream: {
    on(event: "drain" | "close", listener: () => void): unknown;
    off(event: "drain" | "close", listener: () => void): unknown;
  },
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

/** Reads the one message of a unary request (bounded by `MAX_MESSAGE`). */
export function readUnary(req: http2.Http2ServerRequest): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader();
    const messages: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => {
      try {
        for (const message of reader.push(chunk)) messages.push(message);
        if (messages.length > 1) throw new GrpcWireError(12, "A unary call takes one message");
      } catch (error) {
        req.removeAllListeners("data");
        req.resume();
        reject(error);
      }
    });
    req.once("end", () => {
      if (messages.length === 1 && reader.empty) resolve(messages[0]);
      else reject(new GrpcWireError(12, "A unary call takes exactly one whole message"));
    });
    req.once("error", reject);
  });
}

/** Starts a response: status 200 and gRPC's binary content type (as Connect answers). */
export function beginResponse(res: http2.Http2ServerResponse): void {
  res.writeHead(200, { "content-type": "application/grpc+proto" });
}

/** Ends a call with this status (headers first when none were sent); a closed one is left be. */
export function endResponse(res: http2.Http2ServerResponse, code: number, message = ""): void {
  if (res.writableEnded || res.destroyed) return;
  if (!res.headersSent) beginResponse(res);
  res.addTrailers(statusTrailers(code, message));
  res.end();
}
