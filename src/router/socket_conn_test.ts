import { createServer } from "node:net";
import assert from "node:assert/strict";
import { echoBack } from "../../tests/_fixtures/net.ts";
import { spliceConn } from "./socket_conn.ts";

/** A node:net server that reads one line, then echoes through `spliceConn` until EOF. */
async function echoServer(native: boolean) {
  const used: boolean[] = [];
  const server = createServer((socket) => {
    socket.once("data", async (first: Uint8Array) => {
      socket.pause();
      const newline = first.indexOf(10);
      if (newline + 1 < first.byteLength) socket.unshift(first.subarray(newline + 1));
      const conn = spliceConn(socket, native);
      used.push(conn.native);
      await conn.write(new TextEncoder().encode("OK\n"));
      await echoBack(conn, 100_000);
      await conn.closeWrite();
      conn.close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { port, used, close: () => new Promise((resolve) => server.close(resolve)) };
}

for (const native of [true, false]) {
  Deno.test(`spliceConn() carries bytes both ways and half-closes (${native ? "native" : "node streams"})`, async () => {
    const server = await echoServer(native);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await conn.write(new TextEncoder().encode("HELLO\n"));
      // As our peers do: nothing more until the answer (bytes node buffered would keep it on streams).
      const ok = new Uint8Array(3);
      assert.equal(await conn.read(ok), 3);
      assert.equal(new TextDecoder().decode(ok), "OK\n");
      const sent = new Uint8Array(5_000_000).map((_, i) => (i * 31) % 253);
      const back = (async () => {
        const received = new Uint8Array(6_000_000);
        let length = 0;
        for await (const chunk of conn.readable) {
          received.set(chunk, length);
          length += chunk.byteLength;
        }
        return received.subarray(0, length);
      })();
      const writer = conn.writable.getWriter();
      for (let i = 0; i < sent.byteLength; i += 70_000) {
        await writer.write(sent.subarray(i, i + 70_000));
      }
      await conn.closeWrite();
      const received = await back;
      assert.deepEqual(received.byteLength, sent.byteLength);
      assert.ok(received.every((byte, i) => byte === sent[i]), "echoed bytes differ");
      assert.deepEqual(server.used, [native]);
    } finally {
      await server.close();
    }
  });
}
