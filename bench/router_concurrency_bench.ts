/**
 * Concurrency through the router: STREAMS leases (one exporter each), each
 * pushing 64 MiB in 64 KiB writes through one controller's router at the same
 * time, against STREAMS raw TCP loopback pushes at once to a sink in the
 * exporter process (same run). While the leased streams run, one more lease
 * that streams nothing makes sequential driver calls from a process of its
 * own, to a board served by another exporter process: their p50 and p99 are
 * the latency another user's idle session sees while the router is busy. The
 * controller and the exporters (one process serving the streaming boards'
 * identities) run as their own processes; the streaming client is this one.
 *
 * In a lab, the streams' two ends are other hosts: the controller and the
 * idle session do not share their cores with them. On this one machine, the
 * streaming client (this process) and the streaming exporters run at nice
 * `BENCH_LOAD_NICE` (10): they take the CPU that the controller, the idle
 * session and its board leave, as other hosts would. The raw baseline's two
 * ends are the same two processes, so it runs at that nice value too.
 *
 *   deno run -A bench/router_concurrency_bench.ts [STREAMS] [ROUNDS]   (default 16 3)
 *
 * The idle session's calls made while the raw pushes run are the machine's
 * floor: the same load on the CPUs, none of it through the controller.
 *
 * Prints one JSON line: `{streams, rounds, aggregateMBps, rawAggregateMBps, ratio,
 * idleCallP50Ms, idleCallP99Ms, idleCalls, quietCallP50Ms, rawLoadCallP50Ms,
 * rawLoadCallP99Ms}`.
 */
import { parse } from "yaml";
import { lease } from "../mod.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { clientConfigYaml, exporterConfigYaml } from "../src/controller/config_files.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { freePort } from "../tests/_fixtures/lab.ts";
import { testRegistry } from "../tests/_fixtures/test_drivers.ts";
import { startControllerProcess, yieldCpu } from "./_lab.ts";
import { drain, push, pushRaw, TOTAL } from "./_servers.ts";

const STREAMS = Number(Deno.args[0] ?? 16);
const LOAD_NICE = Number(Deno.env.get("BENCH_LOAD_NICE") ?? 10);
const ROUNDS = Number(Deno.args[1] ?? 3);
const root = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "jumpstarter-router-concurrency-bench-" });
const port = freePort();
const endpoint = `http://127.0.0.1:${port}`;

const store = await openDataDir(`${dir}/data`);
const authority = await TokenAuthority.open(store);
const configs: string[] = [];
for (let i = 0; i <= STREAMS; i++) {
  const { identity, token } = await createIdentity(
    store,
    authority,
    "Exporter",
    "default",
    `echo-${i}`,
    { kind: "echo", index: String(i) },
  );
  const path = `${dir}/exporter-${i}.yaml`;
  await Deno.writeTextFile(
    path,
    exporterConfigYaml(identity, token, { endpoint }, { echo: { type: "test.Echo" } }),
  );
  configs.push(path);
}
const clientId = await createIdentity(store, authority, "Client", "default", "bencher", {});
await store.close();

const { child: controller } = await startControllerProcess(`${dir}/data`, port);
/** A child process; resolves with it and the first line matching `ready` it prints. */
async function started(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/ready.*\n/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${args[0]} ended before it was ready`);
    seen += value;
  }
  return {
    child,
    reader,
    line: seen.match(/ready.*/)![0],
    rest: seen.slice(seen.indexOf("\n") + 1),
  };
}
// The streaming boards in one exporter process; the idle board in another, as another lab host.
const exporters = await started([`${root}bench/_echo_exporters.ts`, ...configs.slice(0, STREAMS)]);
const idleExporter = await started([`${root}bench/_echo_exporters.ts`, configs[STREAMS]]);
const sinkPort = Number(exporters.line.match(/ready (\d+)/)![1]);

const clientConfig = clientConfigFrom(
  parse(clientConfigYaml(clientId.identity, clientId.token, { endpoint })),
);
await Deno.writeTextFile(
  `${dir}/client.yaml`,
  clientConfigYaml(clientId.identity, clientId.token, { endpoint }),
);
// The idle session: another process, as another user's session would be.
const idle = await started([
  `${root}bench/_idle_caller.ts`,
  `${dir}/client.yaml`,
  `kind=echo,index=${STREAMS}`,
]);
// The load generators yield the CPU, as other hosts would (see above).
await yieldCpu(LOAD_NICE, exporters.child.pid);
await yieldCpu(LOAD_NICE);
const leases = await Promise.all(
  Array.from({ length: STREAMS }, (_, i) =>
    lease({
      clientConfig,
      selector: `kind=echo,index=${i}`,
      duration: "1h",
      timeoutMs: 60_000,
      registry: testRegistry as unknown as Parameters<typeof lease>[0]["registry"],
    })),
);
// deno-lint-ignore no-explicit-any
const echo = (i: number) => (leases[i] as any).echo;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

const now = () => performance.timeOrigin + performance.now();
/** The windows (epoch ms) in which the leased streams and the raw pushes ran, warm-up excluded. */
const windows: [number, number][] = [];
const rawWindows: [number, number][] = [];
const quietFrom = now();
await new Promise((r) => setTimeout(r, 2000)); // the idle session alone: its quiet latency
const quietTo = now();

let rawMs = 0;
let oursMs = 0;
for (let round = 0; round < ROUNDS + 1; round++) {
  // Baseline: STREAMS raw TCP pushes at once to the sink in the exporter process.
  let t0 = performance.now();
  const rawFrom = now();
  await Promise.all(
    Array.from(
      { length: STREAMS },
      async () => pushRaw(await Deno.connect({ hostname: "127.0.0.1", port: sinkPort })),
    ),
  );
  const raw = performance.now() - t0;
  if (round > 0) rawWindows.push([rawFrom, now()]);
  // Ours: STREAMS leased byte streams at once through the router, the idle session calling.
  t0 = performance.now();
  const from = now();
  await Promise.all(Array.from({ length: STREAMS }, async (_, i) => {
    const stream = await echo(i).stream("sink");
    const answer = drain(stream.readable);
    await push(stream.writable);
    await answer;
  }));
  const ours = performance.now() - t0;
  if (round === 0) continue; // warm-up
  windows.push([from, now()]);
  rawMs += raw;
  oursMs += ours;
}
// The idle session's calls: those made while the streams ran, and those before them.
await idle.child.stdin.close();
let text = idle.rest;
while (true) {
  const { value, done } = await idle.reader.read();
  if (done) break;
  text += value;
}
const samples = JSON.parse(text.trim().split("\n").pop()!) as [number, number][];
const busy = samples.filter(([at]) => windows.some(([a, b]) => at >= a && at <= b))
  .map(([, ms]) => ms).sort((a, b) => a - b);
const rawBusy = samples.filter(([at]) => rawWindows.some(([a, b]) => at >= a && at <= b))
  .map(([, ms]) => ms).sort((a, b) => a - b);
const quiet = samples.filter(([at]) => at >= quietFrom && at <= quietTo).map(([, ms]) => ms)
  .sort((a, b) => a - b);
const mb = STREAMS * TOTAL * ROUNDS / 1e6;
const result = {
  streams: STREAMS,
  rounds: ROUNDS,
  aggregateMBps: Math.round(mb / (oursMs / 1000)),
  rawAggregateMBps: Math.round(mb / (rawMs / 1000)),
  ratio: Number((rawMs / oursMs).toFixed(3)),
  idleCallP50Ms: Number(pct(busy, 0.5).toFixed(2)),
  idleCallP99Ms: Number(pct(busy, 0.99).toFixed(2)),
  idleCalls: busy.length,
  quietCallP50Ms: Number(pct(quiet, 0.5).toFixed(2)),
  rawLoadCallP50Ms: Number(pct(rawBusy, 0.5).toFixed(2)),
  rawLoadCallP99Ms: Number(pct(rawBusy, 0.99).toFixed(2)),
};
console.log(JSON.stringify(result));

await Promise.all(leases.map((l) => l.close()));
await idle.child.status;
for (const { child, reader } of [exporters, idleExporter]) {
  await reader.cancel().catch(() => {});
  await child.stdin.close().catch(() => {});
  child.kill("SIGTERM");
  await child.status;
}
controller.kill("SIGTERM");
await controller.status;
await Deno.remove(dir, { recursive: true });
