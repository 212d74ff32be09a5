import { createServer, type TLSSocket } from "node:tls";
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { makeTestTls } from "../../tests/_fixtures/test_ca.ts";
import { opensslMissing } from "../../tests/_fixtures/mixed_lab.ts";
import { writeAll } from "../driver/write_all.ts";
import { FlowingSocketConn } from "./flowing_conn.ts";

const TOTAL = 24 << 20;

/**
 * A slow reader behind node:tls (as the router reads a TLS splice): its
 * window fills and reading stops, the peer half-closes while it is stopped
 * (the reader starts only then, or after 2 s), and the end of data must
 * still arrive, with every byte. Under Deno 2.9.6 stopping the TLS handle
 * itself lost that end of data (see flowing_conn.ts).
 */
Deno.test({
  name: "FlowingSocketConn over node:tls: a slow reader gets every byte and the end of data",
  ignore: opensslMissing,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "flowing-conn-test-" });
    const tls = await makeTestTls(dir);
    const server = createServer({
      cert: await Deno.readTextFile(tls.serverCert),
      key: await Deno.readTextFile(tls.serverKey),
      allowHalfOpen: true,
    });
    // The server hashes what it reads (slowly), and answers the hash after the end of data.
    const sending = Promise.withResolvers<void>();
    const served = new Promise<string>((resolve, reject) => {
      server.on("secureConnection", async (socket: TLSSocket) => {
        try {
          const conn = new FlowingSocketConn(socket);
          const hash = createHash("sha256");
          const buffer = new Uint8Array(64 << 10);
          await Promise.race([sending.promise, new Promise((r) => setTimeout(r, 2000))]);
          for (let reads = 0;; reads++) {
            const n = await conn.read(buffer);
            if (n === null) break;
            hash.update(buffer.subarray(0, n));
            if (reads % 16 === 0) await new Promise((r) => setTimeout(r, 4));
          }
          const digest = hash.digest("hex");
          await writeAll(conn, new TextEncoder().encode(digest));
          await conn.closeWrite();
          resolve(digest);
        } catch (error) {
          reject(error);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port,
      caCerts: [await Deno.readTextFile(tls.ca)],
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const sent = createHash("sha256");
      const block = new Uint8Array(1 << 20);
      for (let off = 0; off < TOTAL; off += block.byteLength) {
        block.fill(off >> 20);
        block[0] = 7;
        sent.update(block);
        await writeAll(conn, block);
      }
      await conn.closeWrite();
      sending.resolve();
      const answer = new Response(conn.readable).text();
      const hung = new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error("no end of data within 30 s")), 30_000)
      );
      const expected = sent.digest("hex");
      assert.equal(await Promise.race([answer, hung]), expected, "sha256 at the reader's end");
      assert.equal(await served, expected);
    } finally {
      clearTimeout(timer);
      try {
        conn.close();
      } catch { /* closed by the server */ }
      await new Promise((resolve) => server.close(resolve));
      await Deno.remove(dir, { recursive: true });
    }
  },
});
