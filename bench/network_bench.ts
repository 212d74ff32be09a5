/**
 * Forwarded TCP throughput: 64 MiB in 64 KiB writes through
 * `NetworkClient.forwardTcp()` (local port → client → exporter over its unix
 * socket → TcpNetwork → target), against a direct loopback TCP connection to
 * the same target in the same run (the baseline). The target counts what it
 * received and answers the count at EOF, so each iteration is end to end.
 */
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { registry } from "../drivers/registry.ts";
import { connect } from "../mod.ts";
import { NetworkClient } from "../drivers/network/client.ts";
import { answerSink } from "./_servers.ts";
import { writeAll } from "../src/driver/write_all.ts";

const CHUNK = 64 * 1024;
const TOTAL = 64 * 1024 * 1024;
const chunk = new Uint8Array(CHUNK).fill(7);

const sink = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const sinkPort = (sink.addr as Deno.NetAddr).port;
(async () => {
  for await (const conn of sink) {
    void answerSink(conn);
  }
})();

const dir = await Deno.makeTempDir({ prefix: "jumpstarter-bench-" });
const local = await serveLocal(
  parseExporterConfig(
    `export:\n  net: {type: network.TcpNetwork, config: {host: 127.0.0.1, port: ${sinkPort}}}\n`,
    Deno.cwd(),
  ),
  registry,
  { socketPath: `${dir}/exporter.sock` },
);
const root = await connect(local.host);
const forward = await root.child("net", NetworkClient).forwardTcp(0);

async function push(port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writeAll(conn, chunk);
  await conn.closeWrite();
  const answer = await new Response(conn.readable).text();
  if (Number(answer) !== TOTAL) throw new Error(`the target received ${answer} bytes`);
}

Deno.bench({
  name: "direct loopback TCP 64 MiB",
  group: "tcp",
  baseline: true,
  async fn() {
    await push(sinkPort);
  },
});

Deno.bench({
  name: "forwarded TCP 64 MiB (forwardTcp -> exporter -> TcpNetwork)",
  group: "tcp",
  async fn() {
    await push(forward.port);
  },
});

globalThis.addEventListener("unload", () => {
  void forward.close();
  void root.close();
  void local.close();
  sink.close();
  Deno.removeSync(dir, { recursive: true });
});
