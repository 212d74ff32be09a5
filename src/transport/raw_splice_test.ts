import assert from "node:assert/strict";
import { openRawSplice } from "./raw_splice.ts";
import { spliceConns } from "./splice_conns.ts";
import { serveTcp } from "./server.ts";

Deno.test("openRawSplice() falls back (undefined) when the router is not ours", async () => {
  // An HTTP/2 gRPC server (what an upstream router is) answers the hello with an HTTP/2 error.
  await using h2 = await serveTcp("127.0.0.1", 0, () => {});
  assert.equal(await openRawSplice(h2.address, "token"), undefined);
  // Plain TLS endpoints and nothing listening also fall back.
  assert.equal(await openRawSplice("https://127.0.0.1:1", "token"), undefined);
  assert.equal(await openRawSplice("http://127.0.0.1:1", "token"), undefined);
});

Deno.test("spliceConns() carries data both ways through a slow reader, and ends when a peer closes", async () => {
  const a = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const b = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const clientA = await Deno.connect({
    hostname: "127.0.0.1",
    port: (a.addr as Deno.NetAddr).port,
  });
  const serverA = await a.accept();
  const clientB = await Deno.connect({
    hostname: "127.0.0.1",
    port: (b.addr as Deno.NetAddr).port,
  });
  const serverB = await b.accept();
  const splice = spliceConns(serverA, clientB, new TextEncoder().encode("hi"));
  const size = 8 * 1024 * 1024;
  const payload = new Uint8Array(size).map((_, i) => i % 251);
  const writing = (async () => {
    const writer = clientA.writable.getWriter();
    for (let o = 0; o < size; o += 65536) await writer.write(payload.subarray(o, o + 65536));
    writer.releaseLock();
    await clientA.closeWrite();
  })();
  // A slow reader on the far side: everything still arrives, in order.
  const received = new Uint8Array(size);
  let got = 0;
  const buffer = new Uint8Array(32 * 1024);
  while (got < size) {
    const n = await serverB.read(buffer);
    if (n === null) break;
    received.set(buffer.subarray(0, n), got);
    got += n;
    if (got % (1024 * 1024) < n) await new Promise((r) => setTimeout(r, 5));
  }
  await writing;
  assert.deepEqual(got, size);
  assert.deepEqual(received, payload);
  const hello = new Uint8Array(2);
  assert.equal(await clientA.read(hello), 2);
  assert.equal(new TextDecoder().decode(hello), "hi");
  // The far side closing ends the splice.
  serverB.close();
  await splice;
  assert.equal(await clientA.read(new Uint8Array(1)), null);
  clientA.close();
  a.close();
  b.close();
});
