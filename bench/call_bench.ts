/**
 * Driver-call latency and throughput over the local unix socket, client in
 * this process and exporter in another, against a raw unix-socket round trip
 * of 64 bytes between the same two processes (the baseline). Deno reports
 * avg, p75 and p99 per iteration; with `BENCH_SAMPLES=FILE` the p50 and p99
 * of every sequential call measured are written to FILE as JSON too (Deno
 * reports no median). calls/s = 1 / avg sequentially, 16 / avg with 16 at once.
 */
import { grpcRoot, rawEchoPath, root } from "./_local.ts";

const raw = await Deno.connect({ transport: "unix", path: rawEchoPath });
const ping = new Uint8Array(64);
const pong = new Uint8Array(64);

/** Per-call times (ms) of each sequential bench, for percentiles Deno does not report. */
const samples: Record<string, number[]> = {};

function timed(name: string, run: () => Promise<unknown>): () => Promise<void> {
  const times: number[] = samples[name] = [];
  return async () => {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  };
}

Deno.bench({
  name: "raw unix socket round trip (64 B)",
  group: "call",
  baseline: true,
  fn: timed("raw unix socket round trip (64 B)", async () => {
    await raw.write(ping);
    let got = 0;
    while (got < ping.byteLength) got += (await raw.read(pong.subarray(got))) ?? 0;
  }),
});

Deno.bench({
  name: "driver call add(1, 2), fast channel",
  group: "call",
  fn: timed("driver call add(1, 2), fast channel", () => root.echo.call("add", 1, 2)),
});

Deno.bench({
  name: "driver call add(1, 2), gRPC",
  group: "call",
  fn: timed("driver call add(1, 2), gRPC", () => grpcRoot.echo.call("add", 1, 2)),
});

Deno.bench({
  name: "16 concurrent driver calls, fast channel",
  group: "concurrent",
  baseline: true,
  async fn() {
    await Promise.all(Array.from({ length: 16 }, () => root.echo.call("add", 1, 2)));
  },
});

Deno.bench({
  name: "16 concurrent driver calls, gRPC",
  group: "concurrent",
  async fn() {
    await Promise.all(Array.from({ length: 16 }, () => grpcRoot.echo.call("add", 1, 2)));
  },
});

/** The q-quantile of sorted times. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

globalThis.addEventListener("unload", () => {
  raw.close();
  const file = Deno.env.get("BENCH_SAMPLES");
  if (!file) return;
  const out: Record<string, { n: number; p50: number; p99: number }> = {};
  for (const [name, times] of Object.entries(samples)) {
    const sorted = [...times].sort((a, b) => a - b);
    if (sorted.length === 0) continue;
    out[name] = { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  }
  Deno.writeTextFileSync(file, JSON.stringify(out, null, 2));
});
