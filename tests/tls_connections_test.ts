/**
 * A TLS connection to the controller lives past the first-byte deadline:
 * the deadline was cleared by the first byte seen on the raw socket, which
 * a TLS server never reports, so every TLS connection (an exporter's
 * Status stream, a client's calls) was cut 10 s after it was accepted. The
 * TLS handshake has its own deadline, and a silent TLS connection still ends.
 */
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { startController } from "../src/controller/server.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { ensureTlsPair } from "../src/transport/tls_pair.ts";
import { Logger } from "../src/log.ts";

function get(session: http2.ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path });
    req.on("response", (headers) => resolve(Number(headers[":status"])));
    req.on("error", reject);
    req.resume();
    req.end();
  });
}

Deno.test({
  name: "a TLS connection outlives the first-byte deadline; a silent one does not",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const pair = await ensureTlsPair(`${dir}/tls`, "127.0.0.1");
    await using server = await startController({
      store: await openDataDir(`${dir}/data`),
      host: "127.0.0.1",
      port: 0,
      tls: { cert: pair.cert, key: pair.key },
      connections: { firstByteTimeoutMs: 1000 },
      log: new Logger("test"),
    });
    const session = http2.connect(server.url, { ca: pair.cert });
    let closedAt: number | undefined;
    session.on("close", () => closedAt = Date.now());
    session.on("error", () => {});
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      assert.equal(await get(session, "/healthz"), 200);
      const silentEnd = silent.read(new Uint8Array(1)).catch(() => null);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(closedAt, undefined, "the TLS connection was closed by the first-byte deadline");
      assert.equal(await get(session, "/healthz"), 200);
      assert.equal(
        await silentEnd,
        null,
        "a silent connection is closed by the handshake deadline",
      );
    } finally {
      session.close();
      silent.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
