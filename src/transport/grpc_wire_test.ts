import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  FrameType,
  StreamRequestSchema,
  StreamResponseSchema,
} from "../gen/jumpstarter/v1/router_pb.ts";
import {
  decodeFrame,
  encodeGrpcMessage,
  envelope,
  frameEnvelope,
  GrpcWireError,
  MAX_MESSAGE,
  MessageReader,
} from "./grpc_wire.ts";

const sizes = [0, 1, 127, 128, 16_383, 16_384, 65_536, 262_144];
const types = [FrameType.DATA, FrameType.RST_STREAM, FrameType.PING, FrameType.GOAWAY];

function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
}

Deno.test("frameEnvelope writes the bytes protobuf-es and Connect write for a StreamResponse", () => {
  for (const size of sizes) {
    for (const frameType of types) {
      const payload = bytes(size);
      const expected = envelope(
        toBinary(StreamResponseSchema, create(StreamResponseSchema, { payload, frameType })),
      );
      assert.deepEqual(
        new Uint8Array(frameEnvelope(payload, frameType)),
        new Uint8Array(expected),
        `${size} bytes, frame type ${frameType}`,
      );
    }
  }
});

Deno.test("decodeFrame reads StreamRequests as protobuf-es writes them, unknown fields skipped", () => {
  for (const size of sizes) {
    for (const frameType of types) {
      const payload = bytes(size);
      const message = toBinary(
        StreamRequestSchema,
        create(StreamRequestSchema, { payload, frameType }),
      );
      const frame = decodeFrame(message);
      assert.equal(frame.frameType, frameType);
      assert.deepEqual(frame.payload, payload);
    }
  }
  // Field 9 (varint) and field 10 (bytes) ahead of the known ones are skipped.
  const unknown = Uint8Array.from([
    0x48,
    0x05,
    0x52,
    0x02,
    0xaa,
    0xbb,
    0x0a,
    0x01,
    0x42,
    0x10,
    0x07,
  ]);
  assert.deepEqual(decodeFrame(unknown), {
    payload: Uint8Array.from([0x42]),
    frameType: FrameType.GOAWAY,
  });
  assert.throws(() => decodeFrame(Uint8Array.from([0x0a, 0x05, 1, 2])), GrpcWireError);
  assert.throws(() => decodeFrame(Uint8Array.from([0x0f])), GrpcWireError);
});

Deno.test("MessageReader finds the same messages however the body is cut", () => {
  const messages = [bytes(0), bytes(3), bytes(300)];
  const body = new Uint8Array(messages.reduce((n, m) => n + 5 + m.byteLength, 0));
  let at = 0;
  for (const m of messages) {
    body.set(envelope(m), at);
    at += 5 + m.byteLength;
  }
  for (const step of [1, 2, 4, 5, 7, 64, body.byteLength]) {
    const reader = new MessageReader();
    const found: Uint8Array[] = [];
    for (let i = 0; i < body.byteLength; i += step) {
      found.push(...reader.push(body.subarray(i, i + step)));
    }
    assert.deepEqual(found, messages, `cut every ${step} bytes`);
    assert.ok(reader.empty);
  }
  const partial = new MessageReader();
  assert.deepEqual(partial.push(body.subarray(0, 9)), [bytes(0)]);
  assert.equal(partial.empty, false);
});

Deno.test("MessageReader refuses compressed and oversized messages with a status", () => {
  const compressed = Uint8Array.from([1, 0, 0, 0, 1, 0]);
  assert.throws(() => new MessageReader().push(compressed), (error: unknown) => {
    assert.ok(error instanceof GrpcWireError);
    assert.equal(error.code, 12);
    return true;
  });
  const big = new Uint8Array(5);
  new DataView(big.buffer).setUint32(1, MAX_MESSAGE + 1);
  assert.throws(() => new MessageReader().push(big), (error: unknown) => {
    assert.ok(error instanceof GrpcWireError);
    assert.equal(error.code, 8);
    return true;
  });
});

Deno.test("encodeGrpcMessage percent-encodes as the gRPC spec says", () => {
  const text = 'a b%ü\n"x"';
  const encoded = encodeGrpcMessage(text);
  assert.equal(encoded, 'a b%25%C3%BC%0A"x"');
  assert.equal(decodeURIComponent(encoded), text);
});
