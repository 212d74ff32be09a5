/**
 * The controller's scale curve: one real controller process per exporter
 * count, each holding COUNT registered exporters that heartbeat over gRPC from
 * this process at the exporters' default interval (60 s). For each count:
 * lease create → Ready (+ release) latency over RPC, p50 and p99, the
 * controller's RSS, and the CPU its heartbeats cost (from /proc, utime+stime
 * over a window) against the same process idle.
 *
 *   deno run -A bench/scale_bench.ts [COUNT...]        (default 1000 10000 30000)
 *
 * Prints one JSON line per count:
 * `{exporters, rssMB, idleCpuPct, heartbeatCpuPct, callsPerS, leaseP50Ms, leaseP99Ms, leases}`
 * and a last line `{curve: [...]}` with all of them.
 */
import { createClient } from "@connectrpc/connect";
import { parse } from "yaml";
import { ControllerService } from "../src/gen/jumpstarter/v1/jumpstarter_pb.ts";
import { ExporterStatus } from "../src/gen/jumpstarter/v1/common_pb.ts";
import { controllerTransport } from "../src/transport/controller_transport.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { clientConfigYaml } from "../src/controller/config_files.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";
import { freePort } from "../tests/_fixtures/lab.ts";
import { startControllerProcess } from "./_lab.ts";

const HEARTBEAT_INTERVAL_S = 60;
const WINDOW_S = 10;
const LEASES = 300;

/** One point of the curve. */
export interface ScalePoint {
  exporters: number;
  rssMB: number;
  idleCpuPct: number;
  heartbeatCpuPct: number;
  callsPerS: number;
  leaseP50Ms: number;
  leaseP99Ms: number;
  leases: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(count: number): Promise<ScalePoint> {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-scale-bench-" });
  // Identities first, straight into the store the controller will open.
  const store = await openDataDir(`${dir}/data`);
  const authority = await TokenAuthority.open(store);
  const tokens: { name: string; token: string }[] = [];
  for (let i = 0; i < count; i++) {
    const name = `board-${i}`;
    const { token } = await createIdentity(store, authority, "Exporter", "default", name, {
      board: "virtual",
      index: String(i),
    });
    tokens.push({ name, token });
  }
  const client = await createIdentity(store, authority, "Client", "default", "bencher", {});
  await store.close();

  const { child, endpoint } = await startControllerProcess(`${dir}/data`, freePort());
  const connections = Array.from({ length: 8 }, () => controllerTransport(endpoint, {}));
  const leases = new ControllerClient(
    clientConfigFrom(parse(clientConfigYaml(client.identity, client.token, { endpoint }))),
  );
  try {
    const cpuSeconds = async () => {
      const stat = (await Deno.readTextFile(`/proc/${child.pid}/stat`)).split(") ")[1].split(" ");
      return (Number(stat[11]) + Number(stat[12])) / 100;
    };
    const rssMB = async () => {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024;
    };
    // Each exporter calls with its own token, spread over a few HTTP/2 connections.
    const call = (i: number) => {
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
        const { client, headers } = call(i + j);
        return client.register({ labels: {}, reports: [] }, { headers }).then(() =>
          client.reportStatus({ status: ExporterStatus.AVAILABLE, message: "" }, { headers })
        );
      }));
    }

    const idleStart = await cpuSeconds();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const idleCpuPct = (await cpuSeconds() - idleStart) / WINDOW_S * 100;

    // Heartbeats: every exporter once per interval, evenly spread over 100 ms ticks.
    const perTick = count / HEARTBEAT_INTERVAL_S / 10;
    let calls = 0;
    let carry = 0;
    const busyStart = await cpuSeconds();
    const started = performance.now();
    while (performance.now() - started < WINDOW_S * 1000) {
      const tick = performance.now();
      carry += perTick;
      const n = Math.floor(carry);
      carry -= n;
      await Promise.all(Array.from({ length: n }, () => {
        const { client, headers } = call(calls++ % count);
        return client.reportStatus({ status: ExporterStatus.AVAILABLE, message: "" }, { headers });
      }));
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
    }
    const elapsed = (performance.now() - started) / 1000;
    const heartbeatCpuPct = (await cpuSeconds() - busyStart) / elapsed * 100;

    // Lease create → Ready (+ release), each for one exporter picked at random by label.
    const times: number[] = [];
    for (let i = 0; i < LEASES + 20; i++) {
      const index = Math.floor(Math.random() * count);
      const t0 = performance.now();
      const lease = await leases.createLease({
        selector: `board=virtual,index=${index}`,
        durationMs: 60_000,
      });
      if (leaseCondition(lease, "Ready")?.status !== "True") {
        throw new Error(`lease for index=${index} not Ready on return`);
      }
      await leases.releaseLease(leaseShortName(lease));
      if (i >= 20) times.push(performance.now() - t0); // 20 warm-up leases
    }
    times.sort((a, b) => a - b);
    return {
      exporters: count,
      rssMB: Math.round(await rssMB()),
      idleCpuPct: Number(idleCpuPct.toFixed(1)),
      heartbeatCpuPct: Number(heartbeatCpuPct.toFixed(1)),
      callsPerS: Math.round(calls / elapsed),
      leaseP50Ms: Number(percentile(times, 0.5).toFixed(2)),
      leaseP99Ms: Number(percentile(times, 0.99).toFixed(2)),
      leases: times.length,
    };
  } finally {
    await leases.close();
    for (const c of connections) c.close();
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const counts = Deno.args.length ? Deno.args.map(Number) : [1000, 10_000, 30_000];
  const curve: ScalePoint[] = [];
  for (const count of counts) {
    console.error(`scale bench: ${count.toLocaleString("en-US")} exporters...`);
    const point = await measure(count);
    curve.push(point);
    console.log(JSON.stringify(point));
  }
  console.log(JSON.stringify({ curve }));
}
