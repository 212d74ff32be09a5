/**
 * `connDuplex`'s direct paths over real unix sockets: direct reads into the
 * consumer's buffers (an upload written out by a driver) and `pumpFrom`
 * (a local file sent by the client), with their ends, cancels and failures.
 */
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { concatBytes } from "../driver/concat_bytes.ts";
import { directReads, type ReadInto } from "../driver/reads_into.ts";
import { writeAll } from "../driver/write_all.ts";
import { connDuplex } from "./conn_duplex.ts";
import { socketPair } from "../../tests/_fixtures/net.ts";

/** `size` bytes that differ from chunk to chunk. */
function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 12)) & 0xff;
  return bytes;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Reads `read` to its end into two buffers taking turns, as writeImage does. */
async function readAllInto(read: ReadInto): Promise<Uint8Array[]> {
  const buffers = [new Uint8Array(64 * 1024), new Uint8Array(64 * 1024)];
  const parts: Uint8Array[] = [];
  for (let turn = 0;; turn++) {
    const buffer = buffers[turn % 2];
    const n = await read(buffer);
    if (n === null) return parts;
    parts.push(buffer.slice(0, n));
  }
}

Deno.test("direct reads: bytes arrive intact, beforeEnd runs at the end, the stream closes", async () => {
  await using pair = await socketPair();
  const data = pattern(3 * 1024 * 1024 + 5);
  let confirmed = false;
  const duplex = connDuplex(pair.client, {
    directReads: true,
    beforeEnd: () => Promise.resolve(void (confirmed = true)),
  });
  const read = directReads(duplex.readable);
  assert.ok(read, "the readable offers direct reads");
  const reader = duplex.readable.getReader();
  const sending = (async () => {
    await writeAll(pair.server, data);
    await pair.server.closeWrite();
  })();
  const parts = await readAllInto(read);
  await sending;
  const joined = concatBytes(parts);
  assert.deepEqual(joined.byteLength, data.byteLength);
  assert.deepEqual(sha256(joined), sha256(data));
  assert.ok(confirmed, "beforeEnd ran before the end was reported");
  assert.equal(await read(new Uint8Array(16)), null, "the end stays the end");
  assert.equal((await reader.read()).done, true, "the stream closed with the direct end");
  duplex.close();
});

Deno.test("direct reads: an unconfirmed end fails, a cancel ends a read waiting on a stalled peer", async () => {
  await using pair = await socketPair();
  await using other = await socketPair();
  const unconfirmed = connDuplex(pair.client, {
    directReads: true,
    beforeEnd: () => Promise.reject(new Error("the client never confirmed the upload")),
  });
  const read = directReads(unconfirmed.readable)!;
  unconfirmed.readable.getReader();
  await pair.server.closeWrite();
  await assert.rejects(() => read(new Uint8Array(16)), { message: /never confirmed/ });
  await assert.rejects(() => read(new Uint8Array(16)), { message: /never confirmed/ });
  unconfirmed.close();

  // The peer sends nothing: the read waits until the consumer cancels.
  const stalled = connDuplex(other.client, { directReads: true });
  const waiting = directReads(stalled.readable)!(new Uint8Array(16));
  const reader = stalled.readable.getReader();
  const late = await Promise.race([
    waiting.then(() => "returned", () => "failed"),
    new Promise((resolve) => setTimeout(() => resolve("waiting"), 100)),
  ]);
  assert.equal(late, "waiting");
  await reader.cancel(new Error("the exporter is closing"));
  await assert.rejects(() => waiting, { message: /the exporter is closing/ });
  stalled.close();
});

Deno.test("direct reads and stream reads exclude each other", async () => {
  await using pair = await socketPair();
  await using other = await socketPair();
  await using third = await socketPair();
  // Read as a stream first: direct reads are refused.
  const streamed = connDuplex(pair.client, { directReads: true });
  const reader = streamed.readable.getReader();
  await writeAll(pair.server, new Uint8Array([1, 2, 3]));
  assert.deepEqual((await reader.read()).value, new Uint8Array([1, 2, 3]));
  await assert.rejects(
    () => directReads(streamed.readable)!(new Uint8Array(16)),
    (e) => e instanceof TypeError && /already being read as a stream/.test(e.message),
  );
  streamed.close();

  // Read directly first: the stream refuses to read.
  const direct = connDuplex(other.client, { directReads: true });
  await writeAll(other.server, new Uint8Array([4, 5]));
  assert.equal(await directReads(direct.readable)!(new Uint8Array(16)), 2);
  await assert.rejects(
    () => direct.readable.getReader().read(),
    (e) => e instanceof TypeError && /read directly/.test(e.message),
  );
  direct.close();

  // Without the option the stream offers nothing else.
  const plain = connDuplex(third.client);
  assert.equal(directReads(plain.readable), undefined);
  plain.close();
});

Deno.test("pumpFrom: sends everything, reports progress, half-closes; a stalled peer holds it back", async () => {
  await using pair = await socketPair();
  const data = pattern(32 * 1024 * 1024);
  let offset = 0;
  let progress = 0;
  let halfClosed = false;
  const source: ReadInto = (view) => {
    if (offset >= data.byteLength) return Promise.resolve(null);
    const n = Math.min(view.byteLength, data.byteLength - offset);
    view.set(data.subarray(offset, offset + n));
    offset += n;
    return Promise.resolve(n);
  };
  const duplex = connDuplex(pair.client, {
    onWrite: (bytes) => progress += bytes,
    beforeHalfClose: () => halfClosed = true,
  });
  const pumping = duplex.pumpFrom(source);
  // Nobody reads the far end yet: the pump waits on the socket instead of reading on.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(offset < 8 * 1024 * 1024, `the pump read ${offset} bytes ahead of a stalled peer`);
  const received = await new Response(pair.server.readable).arrayBuffer();
  await pumping;
  assert.deepEqual(sha256(new Uint8Array(received)), sha256(data));
  assert.deepEqual(progress, data.byteLength);
  assert.ok(halfClosed, "the half-close hook ran");
  duplex.close();
});

Deno.test("pumpFrom: a failing source gives the connection up", async () => {
  await using pair = await socketPair();
  let gaveUp = false;
  let reads = 0;
  const duplex = connDuplex(pair.client, { onGiveUp: () => gaveUp = true });
  const source: ReadInto = (view) => {
    if (reads++ === 2) return Promise.reject(new Error("disk read error"));
    view.fill(9);
    return Promise.resolve(view.byteLength);
  };
  const draining = new Response(pair.server.readable).arrayBuffer().catch(() => null);
  await assert.rejects(() => duplex.pumpFrom(source), { message: /disk read error/ });
  assert.ok(gaveUp, "onGiveUp ran");
  await draining;
  await assert.rejects(
    () => duplex.pumpFrom(source),
    (e) => e instanceof TypeError && /already being written/.test(e.message),
  );
});
