/**
 * Byte-stream throughput client → router → exporter (64 MiB in 64 KiB writes)
 * against a raw TCP loopback push and the local-socket stream, same run.
 */
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { DistributedExporter } from "../src/exporter/distributed.ts";
import { lease } from "../src/client/lease.ts";
import { Logger } from "../src/log.ts";
import { testRegistry } from "../tests/_fixtures/test_drivers.ts";
import { CHUNK, chunk, drain, push, root as localRoot, TOTAL } from "./_servers.ts";
import { startLab } from "./_lab.ts";

const lab = await startLab();
const yaml = await lab.exporterYaml("bench-echo", { kind: "echo" }, {
  echo: { type: "test.Echo" },
});
const exporter = await DistributedExporter.start(
  parseExporterConfig(yaml, lab.dir),
  testRegistry,
  { log: new Logger("exporter") },
);
const client = await lab.client("bencher");
const leased = await lease({ clientConfig: client, selector: "kind=echo", duration: "1h" });

const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const tcpPort = (tcp.addr as Deno.NetAddr).port;
(async () => {
  for await (const conn of tcp) {
    (async () => {
      let count = 0;
      const buffer = new Uint8Array(256 * 1024);
      while (true) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) break;
        count += n;
      }
      await conn.write(new TextEncoder().encode(String(count))).catch(() => {});
      try {
        conn.close();
      } catch { /* closed */ }
    })();
  }
})();

Deno.bench({
  name: "raw TCP loopback push 64 MiB",
  group: "router",
  baseline: true,
  async fn() {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    const answer = drain(conn.readable);
    const writer = conn.writable.getWriter();
    for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(chunk);
    await conn.closeWrite();
    await answer;
  },
});

Deno.bench({
  name: "local socket byte stream push 64 MiB",
  group: "router",
  async fn() {
    const stream = await localRoot.echo.stream("sink");
    const answer = drain(stream.readable);
    await push(stream.writable);
    await answer;
  },
});

Deno.bench({
  name: "byte stream through the router push 64 MiB (client -> controller -> exporter)",
  group: "router",
  async fn() {
    const stream = await leased.echo.stream("sink");
    const answer = drain(stream.readable);
    await push(stream.writable);
    await answer;
  },
});

globalThis.addEventListener("unload", () => {
  tcp.close();
  void leased.close().then(() => exporter.close()).then(() => lab.close());
});
