/**
 * Byte-stream throughput client -> router -> exporter over TLS (64 MiB in 64
 * KiB writes), as a TLS lab gets it by default (our raw splice on the
 * router's TLS port, ALPN `jmpsplice1`; upstream peers take the gRPC
 * Stream), against a plain TLS socket pair pushing the same bytes, same run.
 * The controller and the exporter run as their own processes.
 */
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { lease } from "../mod.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { clientConfigYaml, exporterConfigYaml } from "../src/controller/config_files.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { freePort } from "../tests/_fixtures/lab.ts";
import { makeTestTls } from "../tests/_fixtures/test_ca.ts";
import { startControllerProcess } from "./_lab.ts";
import { answerSink, drain, push, pushRaw } from "./_servers.ts";
import { parse } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "jumpstarter-router-tls-bench-" });
const port = freePort();
const tls = await makeTestTls(`${dir}/tls`);
const caPem = await Deno.readTextFile(tls.ca);
const info = { endpoint: `127.0.0.1:${port}`, caPem };

const store = await openDataDir(`${dir}/data`);
const authority = await TokenAuthority.open(store);
const exporterId = await createIdentity(store, authority, "Exporter", "default", "bench-echo", {
  kind: "echo",
});
const clientId = await createIdentity(store, authority, "Client", "default", "bencher", {});
await store.close();
const exporterYaml = exporterConfigYaml(exporterId.identity, exporterId.token, info, {
  echo: { type: "test.Echo" },
});
parseExporterConfig(exporterYaml, dir);
await Deno.writeTextFile(`${dir}/exporter.yaml`, exporterYaml);

const { child: controller } = await startControllerProcess(`${dir}/data`, port, {
  cert: tls.serverCert,
  key: tls.serverKey,
  ca: tls.ca,
});
const exporter = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", `${root}bench/_echo_exporter.ts`, `${dir}/exporter.yaml`],
  stdout: "null",
  stderr: "null",
}).spawn();

const clientConfig = clientConfigFrom(
  parse(clientConfigYaml(clientId.identity, clientId.token, info)),
);
const leased = await lease({
  clientConfig,
  selector: "kind=echo",
  duration: "1h",
  timeoutMs: 30_000,
});

const baseline = Deno.listenTls({
  hostname: "127.0.0.1",
  port: 0,
  cert: await Deno.readTextFile(tls.serverCert),
  key: await Deno.readTextFile(tls.serverKey),
});
const baselinePort = (baseline.addr as Deno.NetAddr).port;
(async () => {
  for await (const conn of baseline) void answerSink(conn);
})().catch(() => {});

Deno.bench({
  name: "raw TLS loopback push 64 MiB",
  group: "router-tls",
  baseline: true,
  async fn() {
    await pushRaw(
      await Deno.connectTls({ hostname: "127.0.0.1", port: baselinePort, caCerts: [caPem] }),
    );
  },
});

Deno.bench({
  name: "byte stream through the router over TLS push 64 MiB (client -> controller -> exporter)",
  group: "router-tls",
  async fn() {
    const stream = await leased.echo.stream("sink");
    const answer = drain(stream.readable);
    await push(stream.writable);
    await answer;
  },
});

// The process exits right after unload: what must happen happens synchronously.
globalThis.addEventListener("unload", () => {
  baseline.close();
  void leased.close();
  for (const child of [exporter, controller]) {
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
  }
  Deno.removeSync(dir, { recursive: true });
});
