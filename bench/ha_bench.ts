/**
 * High availability figures, same run:
 * - lease create → Ready (+ release) with 1,000 registered exporters, p50 and
 *   p99 of 300, on the embedded SQLite store vs a 3-member etcd cluster on
 *   loopback; with, per create + release, the etcd calls the members served
 *   (Txn and Range, from their metrics) and the CPU time of this process
 *   (client and controller) and of the etcd members, which unlike the
 *   wall-clock times do not grow with the machine's load;
 * - leader failover: kill -9 the leading replica (of 3, `--election-ttl 1s`),
 *   time until the next lease is scheduled by the new leader (median of 5),
 *   and how many runs ever had the board assigned twice.
 * Needs the `etcd` binary (Debian's etcd-server). Prints one JSON line.
 *
 *   deno run -A bench/ha_bench.ts
 */
import { ControllerClient } from "../src/client/controller_client.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";
import { waitForLease } from "../src/client/lease_wait.ts";
import type { Controller } from "../src/controller/controller.ts";
import { EtcdCoordination } from "../src/controller/etcd_coordination.ts";
import { startController } from "../src/controller/server.ts";
import { EtcdKv } from "../src/controller/store/etcd_kv.ts";
import type { KvStore } from "../src/controller/store/kv.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { clientConfigYaml } from "../src/controller/config_files.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { Logger } from "../src/log.ts";
import { registerExporters } from "./_lab.ts";
import { parse } from "yaml";
import { EtcdCluster } from "../tests/_fixtures/etcd.ts";
import { HaLab } from "../tests/_fixtures/ha_lab.ts";

const dir = await Deno.makeTempDir({ prefix: "jumpstarter-ha-bench-" });
const etcd = await EtcdCluster.start(3);

async function labOn(store: KvStore, coordination?: EtcdCoordination) {
  const server = await startController({
    store,
    host: "127.0.0.1",
    port: 0,
    coordination,
    // In-process exporters never heartbeat: keep them online for the whole run.
    heartbeatTimeoutMs: 3_600_000,
    log: new Logger("c"),
  });
  const controller: Controller = server.controller;
  while (!controller.isLeader) await new Promise((r) => setTimeout(r, 50));
  await registerExporters(controller, 1000);
  const authority = await TokenAuthority.open(store);
  const { identity, token } = await createIdentity(
    store,
    authority,
    "Client",
    "default",
    "bencher",
    {},
  );
  const client = new ControllerClient(
    clientConfigFrom(parse(clientConfigYaml(identity, token, { endpoint: server.url }))),
  );
  return { server, client };
}

const sqlite = await labOn(await openDataDir(`${dir}/sqlite`));
const etcdStore = await EtcdKv.open({ endpoints: etcd.members.map((m) => m.endpoint) });
const onEtcd = await labOn(etcdStore, new EtcdCoordination(etcdStore, "bench"));

const SAMPLES = 300;

/** Lease create → Ready (+ release) times in ms, sorted, after 20 warm-up leases. */
async function leaseTimes(client: ControllerClient): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES + 20; i++) {
    const t0 = performance.now();
    const lease = await client.createLease({
      selector: `board=virtual,index=${(i * 37) % 1000}`,
      durationMs: 60_000,
    });
    const name = leaseShortName(lease);
    if (leaseCondition(lease, "Ready")?.status !== "True") {
      await waitForLease(client, name, { timeoutMs: 5000 });
    }
    await client.releaseLease(name);
    if (i >= 20) times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}
/** CPU time (user + system) of process `pid` in ms. */
function cpuMs(pid: number | "self"): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / 100; // USER_HZ is 100 on Linux
}
const etcdCpuMs = () => etcd.members.reduce((sum, m) => sum + cpuMs(m.process!.pid), 0);

/** Unary `method` calls (Txn, Range) the etcd members started, from their metrics. */
async function etcdCalls(method: string): Promise<number> {
  let total = 0;
  for (const m of etcd.members) {
    const text = await (await fetch(`http://${m.endpoint}/metrics`)).text();
    const line = text.split("\n").find((l) =>
      l.startsWith("grpc_server_started_total{") && l.includes(`grpc_method="${method}"`) &&
      l.includes(`grpc_service="etcdserverpb.KV"`)
    );
    total += Number(line?.split(" ").at(-1) ?? NaN);
  }
  return total;
}

/** `leaseTimes()` with the CPU it took (ms per create + release) and, on etcd, its etcd calls. */
async function measured(client: ControllerClient, onEtcd: boolean) {
  const before = {
    self: cpuMs("self"),
    etcd: etcdCpuMs(),
    txn: onEtcd ? await etcdCalls("Txn") : 0,
    range: onEtcd ? await etcdCalls("Range") : 0,
  };
  const times = await leaseTimes(client);
  const n = SAMPLES + 20;
  const per = (x: number) => Number((x / n).toFixed(2));
  return {
    times,
    selfCpuMs: per(cpuMs("self") - before.self),
    etcdCpuMs: per(etcdCpuMs() - before.etcd),
    txns: onEtcd ? per(await etcdCalls("Txn") - before.txn) : 0,
    ranges: onEtcd ? per(await etcdCalls("Range") - before.range) : 0,
  };
}

const pct = (sorted: number[], p: number) =>
  Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(2));

const sqliteRun = await measured(sqlite.client, false);
const etcdRun = await measured(onEtcd.client, true);
const leaseLoad = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const onSqlite = sqliteRun.times;
const onEtcdTimes = etcdRun.times;

/**
 * Kill -9 the leader, release the board through a survivor, time until the queued lease is
 * Ready; counts a double assignment if the killed leader's lease and the queued one were ever
 * both Ready on the board.
 */
async function failoverOnce(
  lab: HaLab,
  client: ControllerClient,
): Promise<{ ms: number; twice: boolean }> {
  const leader = await lab.leader();
  const holding = leaseShortName(
    await client.createLease({ exporterName: "bench-1", durationMs: 60_000 }),
  );
  await waitForLease(client, holding, { timeoutMs: 10_000 });
  const queued = leaseShortName(
    await client.createLease({ exporterName: "bench-1", durationMs: 60_000 }),
  );
  const killed = performance.now();
  await lab.killReplica(leader);
  await client.releaseLease(holding);
  await waitForLease(client, queued, { timeoutMs: 30_000 });
  const ms = performance.now() - killed;
  const ready = (await client.listLeases()).filter((l) =>
    leaseCondition(l, "Ready")?.status === "True" && l.exporterName === "bench-1"
  );
  await client.releaseLease(queued);
  await lab.startReplica(leader);
  return { ms, twice: ready.length > 1 };
}

// The bench's etcd runs a 300 ms election timeout, so etcd grants leases from 1 s.
const lab = await HaLab.start(3, ["--election-ttl", "1s"]);
await lab.exporter("bench-1", ["board=virtual"]);
const failClient = await lab.connect(await lab.client("failover"));
const runs: { ms: number; twice: boolean }[] = [];
for (let i = 0; i < 5; i++) runs.push(await failoverOnce(lab, failClient));
const failovers = runs.map((r) => r.ms).sort((a, b) => a - b);
console.log(JSON.stringify({
  exporters: 1000,
  sqliteLeaseP50Ms: pct(onSqlite, 0.5),
  sqliteLeaseP99Ms: pct(onSqlite, 0.99),
  etcdLeaseP50Ms: pct(onEtcdTimes, 0.5),
  etcdLeaseP99Ms: pct(onEtcdTimes, 0.99),
  sqliteLeaseCpuMs: sqliteRun.selfCpuMs,
  etcdLeaseCpuMs: etcdRun.selfCpuMs,
  etcdMembersCpuMsPerLease: etcdRun.etcdCpuMs,
  etcdTxnsPerLease: etcdRun.txns,
  etcdRangesPerLease: etcdRun.ranges,
  leaseLoadavg: leaseLoad,
  failoverMedianS: Number((failovers[2] / 1000).toFixed(2)),
  failoversS: failovers.map((t) => Number((t / 1000).toFixed(2))),
  assignedTwice: runs.filter((r) => r.twice).length,
}));
await failClient.close();
await lab.close();
await sqlite.client.close();
await onEtcd.client.close();
await sqlite.server.close();
await onEtcd.server.close();
await etcd.close();
await Deno.remove(dir, { recursive: true });
