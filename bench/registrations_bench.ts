/**
 * A controller holding 10,000 registered exporters that heartbeat: its RSS and
 * the CPU its heartbeats cost, measured on a real controller process from
 * /proc (utime+stime over a window), with the heartbeats sent over gRPC from
 * this process at the exporters' default interval. Baseline: the same
 * controller process idle over the same window.
 *
 *   deno run -A bench/registrations_bench.ts [EXPORTERS] [INTERVAL_SECONDS]
 * Prints one JSON line: {exporters, intervalS, rssMB, idleCpuPct, heartbeatCpuPct, callsPerS}.
 */
import { createClient } from "@connectrpc/connect";
import { ControllerService } from "../src/gen/jumpstarter/v1/jumpstarter_pb.ts";
import { ExporterStatus } from "../src/gen/jumpstarter/v1/common_pb.ts";
import { controllerTransport } from "../src/transport/controller_transport.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { freePort } from "../tests/_fixtures/lab.ts";
import { startControllerProcess } from "./_lab.ts";

const count = Number(Deno.args[0] ?? 10_000);
const intervalS = Number(Deno.args[1] ?? 30);
const dir = await Deno.makeTempDir({ prefix: "jumpstarter-reg-bench-" });

// Identities first, straight into the store the controller will open.
const store = await openDataDir(`${dir}/data`);
const authority = await TokenAuthority.open(store);
const tokens: { name: string; token: string }[] = [];
for (let i = 0; i < count; i++) {
  const { token } = await createIdentity(store, authority, "Exporter", "default", `board-${i}`, {
    board: "virtual",
  });
  tokens.push({ name: `board-${i}`, token });
}
await store.close();

const port = freePort();
const { child: child, endpoint } = await startControllerProcess(`${dir}/data`, port);

/** utime+stime of the controller, in seconds. */
async function cpuSeconds(): Promise<number> {
  const stat = (await Deno.readTextFile(`/proc/${child.pid}/stat`)).split(") ")[1].split(" ");
  return (Number(stat[11]) + Number(stat[12])) / 100;
}
async function rssMB(): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024;
}

// Each exporter calls with its own token; spread over a few HTTP/2 connections.
const connections = Array.from({ length: 8 }, () => controllerTransport(endpoint, {}));
const clientFor = (i: number) => {
  const { name, token } = tokens[i];
  return {
    client: createClient(ControllerService, connections[i % connections.length].transport),
    headers: {
      authorization: `Bearer ${token}`,
      "jumpstarter-kind": "Exporter",
      "jumpstarter-namespace": "default",
      "jumpstarter-name": name,
    },
  };
};
for (let i = 0; i < count; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => {
    const { client, headers } = clientFor(i + j);
    return client.register({ labels: {}, reports: [] }, { headers });
  }));
}

const windowS = 10;
const idleStart = await cpuSeconds();
await new Promise((r) => setTimeout(r, windowS * 1000));
const idleCpuPct = (await cpuSeconds() - idleStart) / windowS * 100;

// Heartbeats: every exporter once per interval, evenly spread.
const perTick = count / intervalS / 10;
let calls = 0;
const busyStart = await cpuSeconds();
const started = performance.now();
let carry = 0;
while (performance.now() - started < windowS * 1000) {
  const tick = performance.now();
  carry += perTick;
  const n = Math.floor(carry);
  carry -= n;
  await Promise.all(Array.from({ length: n }, () => {
    const i = calls++ % count;
    const { client, headers } = clientFor(i);
    return client.reportStatus({ status: ExporterStatus.AVAILABLE, message: "" }, { headers });
  }));
  await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
}
const elapsed = (performance.now() - started) / 1000;
const heartbeatCpuPct = (await cpuSeconds() - busyStart) / elapsed * 100;
const result = {
  exporters: count,
  intervalS,
  rssMB: Math.round(await rssMB()),
  idleCpuPct: Number(idleCpuPct.toFixed(1)),
  heartbeatCpuPct: Number(heartbeatCpuPct.toFixed(1)),
  callsPerS: Math.round(calls / elapsed),
};
console.log(JSON.stringify(result));
for (const c of connections) c.close();
child.kill("SIGTERM");
await child.status;
await Deno.remove(dir, { recursive: true });
