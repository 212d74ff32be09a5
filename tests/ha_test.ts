/**
 * High availability with real processes on loopback: a 3-member etcd
 * cluster, three controller replicas, exporters and clients.
 */
import assert from "node:assert/strict";
import { HaLab } from "./_fixtures/ha_lab.ts";
import { skipEtcd } from "./_fixtures/etcd.ts";
import { runEntry } from "./_fixtures/run.ts";
import { acquire } from "../src/client/lease_acquire.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";
import { waitForLease } from "../src/client/lease_wait.ts";
import { connect } from "../mod.ts";
import { eventually } from "../testing.ts";
import type { GrpcSession } from "../src/client/session.ts";
import type { VirtualBoard } from "../drivers/virtual/client.ts";
import type { DriverError } from "../src/driver/driver_error.ts";

const opts = { sanitizeOps: false, sanitizeResources: false, ignore: skipEtcd };

/** The replicas' endpoints starting from `first`, so a peer registers there first. */
function from(lab: HaLab, first: number): string {
  const n = lab.replicas.length;
  return Array.from({ length: n }, (_, i) => lab.replicas[(first + i) % n].endpoint).join(",");
}

Deno.test({
  name:
    "replicas share exporters and leases: a client on one replica drives an exporter on another",
  ...opts,
  async fn() {
    await using lab = await HaLab.start();
    const alice = await lab.client("alice", from(lab, 0));
    await lab.exporter("bench-1", ["board=virtual"], from(lab, 1));
    await lab.exporter("bench-2", ["board=virtual"], from(lab, 2));
    for (let i = 0; i < 3; i++) {
      const viaReplica = await lab.client(`viewer-${i}`, lab.replicas[i].endpoint);
      await using c = await lab.connect(viaReplica);
      await eventually(async () => (await c.listExporters()).filter((e) => e.online).length === 2, {
        timeout: 10_000,
        interval: 50,
        message: `replica ${i} to see both exporters online`,
      });
    }
    const status = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "admin",
      "status",
      "-o",
      "json",
    ]);
    assert.equal(status.code, 0, status.stderr);
    const replicas = JSON.parse(status.stdout) as { replica: string; leader: boolean }[];
    assert.deepEqual(replicas.map((r) => r.replica).sort(), ["r0", "r1", "r2"]);
    assert.equal(replicas.filter((r) => r.leader).length, 1, "exactly one replica leads");
    await using held = await acquire({
      clientConfig: alice,
      exporterName: "bench-1",
      duration: "2m",
      timeoutMs: 10_000,
    });
    await using dut = await connect<VirtualBoard>(held.tunnel.host);
    await dut.power.on();
    assert.equal((await dut.storage.info() as { mux: string }).mux, "dut");
  },
});

Deno.test({
  name: "two clients racing for the last free exporter on different replicas: exactly one gets it",
  ...opts,
  async fn() {
    await using lab = await HaLab.start();
    await lab.exporter("bench-1", ["board=virtual"], from(lab, 0));
    const a = await lab.connect(await lab.client("a", lab.replicas[1].endpoint));
    const b = await lab.connect(await lab.client("b", lab.replicas[2].endpoint));
    try {
      const [la, lb] = await Promise.all([
        a.createLease({ selector: "board=virtual", durationMs: 60_000 }),
        b.createLease({ selector: "board=virtual", durationMs: 60_000 }),
      ]);
      await eventually(async () => {
        const ready = [await a.getLease(leaseShortName(la)), await b.getLease(leaseShortName(lb))]
          .filter((l) => leaseCondition(l, "Ready")?.status === "True");
        return ready.length >= 1;
      }, { timeout: 10_000, interval: 50, message: "one lease to be ready" });
      await new Promise((r) => setTimeout(r, 500));
      const views = [await a.getLease(leaseShortName(la)), await b.getLease(leaseShortName(lb))];
      const ready = views.filter((l) => leaseCondition(l, "Ready")?.status === "True");
      assert.equal(ready.length, 1, "exactly one lease holds the exporter");
      const queued = views.find((l) => leaseCondition(l, "Ready")?.status !== "True")!;
      assert.equal(leaseCondition(queued, "Pending")?.status, "True");
      assert.equal(queued.context["jumpstarter.dev/queue-position"], "1");
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name:
    "kill -9 the leader mid-lease: the lease stays, a new leader schedules, the client reconnects",
  ...opts,
  async fn() {
    await using lab = await HaLab.start();
    const leader = await lab.leader();
    const other = (leader + 1) % 3;
    const alice = await lab.client("alice", from(lab, leader));
    await lab.exporter("bench-1", ["board=virtual"], from(lab, leader));
    await lab.exporter("bench-2", ["board=virtual"], from(lab, other));
    const bob = await lab.connect(await lab.client("bob", from(lab, other)));
    try {
      await using held = await acquire({
        clientConfig: alice,
        exporterName: "bench-1",
        duration: "5m",
        timeoutMs: 10_000,
      });
      await using dut = await connect<VirtualBoard>(held.tunnel.host);
      await dut.power.on();
      // Through the tunnel on the fast channel: it must come back after the replica dies.
      assert.equal((dut.session as GrpcSession).path, "fast");
      const blocker = leaseShortName(
        await bob.createLease({ exporterName: "bench-2", durationMs: 60_000 }),
      );
      await waitForLease(bob, blocker, { timeoutMs: 10_000 });
      const pending = leaseShortName(
        await bob.createLease({ exporterName: "bench-2", durationMs: 60_000 }),
      );
      const killedAt = Date.now();
      await lab.killReplica(leader);
      const newLeader = await lab.leader();
      assert.ok(newLeader !== leader);
      // The held lease is still there and still Ready.
      assert.equal(leaseCondition(await bob.getLease(blocker), "Ready")?.status, "True");
      // The pending lease is scheduled by the new leader once the board frees.
      await bob.releaseLease(blocker);
      await waitForLease(bob, pending, { timeoutMs: 15_000 });
      console.log(`failover: kill to next lease scheduled in ${Date.now() - killedAt} ms`);
      // The client's next driver call reconnects through a surviving replica.
      await eventually(() => dut.power.off(), {
        timeout: 20_000,
        interval: 50,
        message: "the driver call to work again",
      });
      const lease = await bob.getLease(pending);
      assert.equal(leaseCondition(lease, "Ready")?.status, "True");
    } finally {
      await bob.close();
    }
  },
});

Deno.test({
  name: "etcd member loss: one down keeps working; two down refuses writes clearly and recovers",
  ...opts,
  async fn() {
    await using lab = await HaLab.start();
    await lab.exporter("bench-1", ["board=virtual"], from(lab, 0));
    const c = await lab.connect(await lab.client("alice", from(lab, 1)));
    try {
      await lab.etcd.kill(0);
      const one = leaseShortName(
        await c.createLease({ selector: "board=virtual", durationMs: 60_000 }),
      );
      await waitForLease(c, one, { timeoutMs: 15_000 });
      await c.releaseLease(one);
      await lab.etcd.kill(1);
      const started = Date.now();
      let refused: DriverError | undefined;
      try {
        await c.createLease({ selector: "board=virtual", durationMs: 60_000 });
      } catch (error) {
        refused = error as DriverError;
      }
      assert.ok(refused, "a write without quorum is refused");
      assert.equal(refused.code, "unavailable");
      assert.match(refused.message, /etcd/);
      assert.ok(Date.now() - started < 10_000, "refused in bounded time");
      await lab.etcd.restart(0);
      await lab.etcd.restart(1);
      await lab.etcd.waitHealthy();
      await eventually(async () => {
        const again = leaseShortName(
          await c.createLease({ selector: "board=virtual", durationMs: 60_000 }),
        );
        await c.releaseLease(again);
      }, { timeout: 20_000, interval: 50, message: "writes to work again" });
    } finally {
      await c.close();
    }
  },
});
