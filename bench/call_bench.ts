/**
 * Driver-call latency over the local unix socket (Deno reports avg, p75, p99;
 * calls/s = 1 / avg) against a raw unix-socket request/response of the same
 * size in the same run.
 */
import { local, rawEchoPath, root } from "./_servers.ts";

const raw = await Deno.connect({ transport: "unix", path: rawEchoPath });
const ping = new Uint8Array(64);
const pong = new Uint8Array(64);

Deno.bench({
  name: "raw unix socket round trip (64 B)",
  group: "call",
  baseline: true,
  async fn() {
    await raw.write(ping);
    let got = 0;
    while (got < ping.byteLength) got += (await raw.read(pong.subarray(got))) ?? 0;
  },
});

Deno.bench({
  name: "driver call add(1, 2) over gRPC",
  group: "call",
  async fn() {
    await root.echo.call("add", 1, 2);
  },
});

Deno.bench({
  name: "16 concurrent driver calls",
  group: "concurrent",
  async fn() {
    await Promise.all(Array.from({ length: 16 }, () => root.echo.call("add", 1, 2)));
  },
});

globalThis.addEventListener("unload", () => {
  raw.close();
  void root.close();
  void local.close();
});
