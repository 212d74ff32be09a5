import assert from "node:assert/strict";
import { numberFrame, textFrame, u32 } from "./call_frames.ts";
import { FrameWriter } from "./frame_writer.ts";
import { readFrames } from "./frame_reader.ts";
import { MAX_FRAME } from "./protocol.ts";
import { socketPair } from "../../../tests/_fixtures/net.ts";

const decoder = new TextDecoder();

Deno.test("readFrames() splits frames that arrive together, apart and split across reads", async () => {
  await using pair = await socketPair();
  const big = "x".repeat(200_000);
  const frames = [
    textFrame(1, 16, "[1,2]"),
    numberFrame(2, 18),
    numberFrame(3, 4, 128),
    textFrame(4, 17, JSON.stringify(big)),
    textFrame(0xffffffff, 19, '{"code":"not_found","message":"é"}'),
  ];
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
  let offset = 0;
  for (const frame of frames) {
    bytes.set(frame, offset);
    offset += frame.byteLength;
  }
  const seen: [number, number, string][] = [];
  const reading = readFrames(pair.server, (id, type, payload) => {
    seen.push([id, type, type === 4 ? String(u32(payload)) : decoder.decode(payload)]);
  });
  // Dribble the bytes in uneven pieces, some splitting a length prefix.
  for (let i = 0; i < bytes.byteLength;) {
    const n = Math.min(bytes.byteLength - i, [3, 1, 7, 65536, 2][seen.length % 5]);
    await pair.client.write(bytes.subarray(i, i + n));
    i += n;
  }
  await pair.client.closeWrite();
  await reading;
  assert.deepEqual(seen, [
    [1, 16, "[1,2]"],
    [2, 18, ""],
    [3, 4, "128"],
    [4, 17, JSON.stringify(big)],
    [0xffffffff, 19, '{"code":"not_found","message":"é"}'],
  ]);
});

Deno.test("readFrames() rejects a frame longer than the limit and one cut short", async () => {
  {
    await using pair = await socketPair();
    const header = new Uint8Array(9);
    new DataView(header.buffer).setUint32(0, MAX_FRAME + 1);
    await pair.client.write(header);
    await assert.rejects(readFrames(pair.server, () => {}), RangeError);
  }
  {
    await using pair = await socketPair();
    await pair.client.write(textFrame(1, 1, "[1,2,3]").subarray(0, 10));
    await pair.client.closeWrite();
    await assert.rejects(readFrames(pair.server, () => {}), Deno.errors.UnexpectedEof);
  }
});

Deno.test("FrameWriter sends frames queued in one tick in order, coalesced", async () => {
  await using pair = await socketPair();
  const writer = new FrameWriter(pair.client, (error) => assert.fail(String(error)));
  for (let id = 1; id <= 16; id++) writer.send(textFrame(id, 1, `[${id}]`));
  const seen: number[] = [];
  const reading = readFrames(pair.server, (id) => {
    seen.push(id);
    if (seen.length === 16) pair.client.closeWrite();
  });
  await reading;
  assert.deepEqual(seen, Array.from({ length: 16 }, (_, i) => i + 1));
});
