/**
 * Byte-stream throughput client → router → exporter (64 MiB in 64 KiB writes)
 * against a raw TCP loopback push, same run. The controller and the exporter
 * run as their own processes, as they do in a lab; the client is this one.
 */
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { lease } from "../mod.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { clientConfigYaml, exporterConfigYaml } from "../src/controller/config_files.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { freePort } from "../tests/_fixtures/lab.ts";
import { startControllerProcess } from "./_lab.ts";
import { answerSink, drain, push, pushRaw } from "./_servers.ts";
import { parse } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "jumpstarter-router-bench-" });
const port = freePort();
const endpoint = `http://127.0.0.1:${port}`;

const store = await openDataDir(`${dir}/data`);
const authority = await TokenAuthority.open(store);
const exporterId = await createIdentity(store, authority, "Exporter", "default", "bench-echo", {
  kind: "echo",
});
const clientId = await createIdentity(store, authority, "Client", "default", "bencher", {});
await store.close();
const exporterYaml = exporterConfigYaml(exporterId.identity, exporterId.token, { endpoint }, {
  echo: { type: "test.Echo" },
});
parseExporterConfig(exporterYaml, dir);
await Deno.writeTextFile(`${dir}/exporter.yaml`, exporterYaml);

const { child: controller } = await startControllerProcess(`${dir}/data`, port);
const exporter = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", `${root}bench/_echo_exporter.ts`, `${dir}/exporter.yaml`],
  stdout: "null",
  stderr: "null",
}).spawn();

const clientConfig = clientConfigFrom(
  parse(clientConfigYaml(clientId.identity, clientId.token, { endpoint })),
);
const leased = await lease({
  clientConfig,
  selector: "kind=echo",
  duration: "1h",
  timeoutMs: 30_000,
});

const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const tcpPort = (tcp.addr as Deno.NetAddr).port;
(async () => {
  for await (const conn of tcp) {
    void answerSink(conn);
  }
})();

Deno.bench({
  name: "raw TCP loopback push 64 MiB",
  group: "router",
  baseline: true,
  async fn() {
    await pushRaw(await Deno.connect({ hostname: "127.0.0.1", port: tcpPort }));
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

// The process exits right after unload: what must happen happens synchronously.
globalThis.addEventListener("unload", () => {
  tcp.close();
  void leased.close();
  for (const child of [exporter, controller]) {
    try {
      // SIGTERM: each cleans up after itself (the exporter's socket directory) on its own.
      child.kill("SIGTERM");
    } catch { /* exited */ }
  }
  Deno.removeSync(dir, { recursive: true });
});
