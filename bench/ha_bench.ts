/**
 * High availability figures, same run:
 * - lease create → Ready (+ release) with 1,000 registered exporters, on the
 *   embedded SQLite store vs a 3-member etcd cluster on loopback;
 * - leader failover: kill -9 the leading replica, time until the next lease is
 *   scheduled by the new leader (median of 5, printed).
 * Needs the `etcd` binary (Debian's etcd-server).
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

async function createReady(client: ControllerClient) {
  const lease = await client.createLease({
    selector: "board=virtual,index=577",
    durationMs: 60_000,
  });
  const name = leaseShortName(lease);
  if (leaseCondition(lease, "Ready")?.status !== "True") {
    await waitForLease(client, name, { timeoutMs: 5000 });
  }
  await client.releaseLease(name);
}

Deno.bench({
  name: "lease create -> Ready (+ release), 1,000 exporters, SQLite",
  group: "store",
  baseline: true,
  async fn() {
    await createReady(sqlite.client);
  },
});
Deno.bench({
  name: "lease create -> Ready (+ release), 1,000 exporters, etcd (3 members)",
  group: "store",
  async fn() {
    await createReady(onEtcd.client);
  },
});

/** Kill -9 the leader, release the board through a survivor, time until the queued lease is Ready. */
async function failoverOnce(lab: HaLab, client: ControllerClient): Promise<number> {
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
  await client.releaseLease(queued);
  await lab.startReplica(leader);
  return ms;
}

{
  const lab = await HaLab.start();
  await lab.exporter("bench-1", ["board=virtual"]);
  const client = await lab.connect(await lab.client("failover"));
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push(await failoverOnce(lab, client));
  times.sort((a, b) => a - b);
  console.log(
    `leader failover (kill -9 to next lease scheduled), 5 runs: median ${
      (times[2] / 1000).toFixed(2)
    } s; all ${times.map((t) => (t / 1000).toFixed(2)).join(", ")} s`,
  );
  await client.close();
  await lab.close();
}

globalThis.addEventListener("unload", () => {
  void sqlite.client.close();
  void onEtcd.client.close();
  void sqlite.server.close();
  void onEtcd.server.close();
  // The process exits right after unload (etcd's own handler kills its members).
  Deno.removeSync(dir, { recursive: true });
});
