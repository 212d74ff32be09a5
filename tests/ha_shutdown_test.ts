/**
 * A controller replica on etcd exits on SIGTERM in bounded time in every
 * state: after leader failovers, as a follower, as the leader, and with
 * every etcd member gone; a peer holding a connection open that sends
 * nothing does not hold it up, and it gives up its election key at once.
 * Needs the `etcd` binary (Debian's etcd-server).
 */
import assert from "node:assert/strict";
import { skipEtcd } from "./_fixtures/etcd.ts";
import { HaLab } from "./_fixtures/ha_lab.ts";
import { leaseShortName } from "../src/client/lease_status.ts";
import { waitForLease } from "../src/client/lease_wait.ts";
import type { ControllerClient } from "../src/client/controller_client.ts";

const opts = { sanitizeOps: false, sanitizeResources: false, ignore: skipEtcd };
/**
 * Generous for a loaded 2-core machine (about 1 s here), and below the 10 s a
 * silent connection used to hold a shutdown for (the first-byte deadline).
 */
const EXIT_BOUND_MS = 6_000;

/**
 * SIGTERMs replica `i` while a peer holds a connection to it that sends
 * nothing; returns how long it took to exit (the lab fails the test past 15 s).
 */
async function terminate(lab: HaLab, i: number): Promise<number> {
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: lab.replicas[i].port });
  try {
    const started = performance.now();
    await lab.killReplica(i, "SIGTERM");
    return performance.now() - started;
  } finally {
    silent.close();
  }
}

/** How many replicas stand in the scheduler's election (their keys in etcd). */
async function candidates(lab: HaLab): Promise<number> {
  const all = btoa("\0");
  const answer = await lab.etcd.gateway("kv/range", {
    key: all,
    range_end: all,
    keys_only: true,
  }) as { kvs?: { key: string }[] };
  return (answer.kvs ?? []).filter((kv) => atob(kv.key).includes("controller-scheduler")).length;
}

/** Kills the leader with SIGKILL, schedules a lease through a survivor, restarts the killed one. */
async function failover(lab: HaLab, client: ControllerClient): Promise<void> {
  const leader = await lab.leader();
  await lab.killReplica(leader);
  const name = leaseShortName(
    await client.createLease({ exporterName: "bench-1", durationMs: 60_000 }),
  );
  await waitForLease(client, name, { timeoutMs: 30_000 });
  await client.releaseLease(name);
  await lab.startReplica(leader);
}

Deno.test({
  name: "a replica exits on SIGTERM after failovers, as follower, leader and without etcd",
  ...opts,
  async fn() {
    await using lab = await HaLab.start();
    await lab.exporter("bench-1", ["board=virtual"]);
    const client = await lab.connect(await lab.client("failover"));
    try {
      for (let i = 0; i < 2; i++) await failover(lab, client);
    } finally {
      // Closed before the replicas go: Deno's HTTP/2 client can abort the whole process on a
      // GOAWAY under an open session (an nghttp2 assertion, see TOOLCHAIN.md).
      await client.close();
    }

    const leader = await lab.leader();
    const follower = [0, 1, 2].find((i) => i !== leader)!;
    assert.equal(await candidates(lab), 3);
    const asFollower = await terminate(lab, follower);
    // Its key went with it, not a TTL later.
    assert.equal(await candidates(lab), 2, "the follower's election key is gone");
    const asLeader = await terminate(lab, leader);
    assert.equal(await candidates(lab), 1, "the leader's election key is gone");
    const last = [0, 1, 2].find((i) => i !== leader && i !== follower)!;
    // The last one leads now; then etcd goes away entirely.
    await lab.leader();
    for (let m = 0; m < lab.etcd.members.length; m++) await lab.etcd.kill(m);
    const withoutEtcd = await terminate(lab, last);
    console.log(
      `SIGTERM to exit: follower ${asFollower.toFixed(0)} ms, leader ${
        asLeader.toFixed(0)
      } ms, etcd gone ${withoutEtcd.toFixed(0)} ms`,
    );
    for (const [state, ms] of [["follower", asFollower], ["leader", asLeader]] as const) {
      assert.ok(ms < EXIT_BOUND_MS, `the ${state} took ${ms.toFixed(0)} ms to exit`);
    }
    assert.ok(withoutEtcd < EXIT_BOUND_MS, `without etcd it took ${withoutEtcd.toFixed(0)} ms`);
  },
});
