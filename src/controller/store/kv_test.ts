/**
 * One suite for every KvStore: the embedded SQLite store and the etcd store
 * (a real 3-member etcd cluster on loopback) pass the same cases. The etcd
 * store also gets the cases only a cluster has: member loss, lost quorum,
 * recovery, liveness leases and leader election failover.
 */
import assert from "node:assert/strict";
import { EtcdCluster, skipEtcd, spawnCampaigner } from "../../../tests/_fixtures/etcd.ts";
import { type Change, ConflictError, type KvStore, put, StoreUnavailableError } from "./kv.ts";
import { SqliteKv } from "./sqlite.ts";
import { EtcdKv } from "./etcd_kv.ts";
import { eventually } from "../../../testing.ts";

/** Opens two clients of one fresh store (two connections, or two etcd clients). */
interface Backend {
  name: string;
  /** How another client's writes reach a watcher: as the change itself, or as "external". */
  remoteChanges: "exact" | "external";
  pair(): Promise<[KvStore, KvStore]>;
}

function suite(backend: Backend) {
  const step = (t: Deno.TestContext, name: string, fn: (a: KvStore, b: KvStore) => Promise<void>) =>
    t.step(`${backend.name}: ${name}`, async () => {
      const [a, b] = await backend.pair();
      try {
        await fn(a, b);
      } finally {
        await a.close();
        await b.close();
      }
    });

  return async (t: Deno.TestContext) => {
    await step(
      t,
      "get() returns a put document with a version, undefined when absent",
      async (a) => {
        assert.equal(await a.get("nope"), undefined);
        await put(a, "exporters/default/one", { labels: { board: "x" } });
        const entry = await a.get("exporters/default/one");
        assert.deepEqual(entry?.value, { labels: { board: "x" } });
        assert.ok(entry!.version > 0);
      },
    );

    await step(t, "list() returns the keys under a prefix, ordered by key", async (a) => {
      for (const key of ["leases/b", "leases/a", "leasesX", "leases/c/1", "exporters/a"]) {
        await put(a, key, key);
      }
      const listed = await a.list<string>("leases/");
      assert.deepEqual(listed.map((e) => e.key), ["leases/a", "leases/b", "leases/c/1"]);
      assert.deepEqual(listed.map((e) => e.value), ["leases/a", "leases/b", "leases/c/1"]);
      assert.equal((await a.list("")).length, 5);
      assert.deepEqual(await a.list("nothing/"), []);
    });

    await step(
      t,
      "list() returns more than a page; commit() takes large unguarded batches",
      async (a) => {
        const writes = Array.from({ length: 1200 }, (_, i) => ({
          put: `bulk/${String(i).padStart(5, "0")}`,
          value: i,
        }));
        await a.commit(writes);
        const listed = await a.list<number>("bulk/");
        assert.equal(listed.length, 1200);
        assert.deepEqual(listed.map((e) => e.value), writes.map((w) => w.value));
      },
    );

    await step(t, "commit() changes the version on every write", async (a) => {
      await put(a, "k", 1);
      const v1 = (await a.get("k"))!.version;
      if (a instanceof EtcdKv) {
        const revision = await a.commitRevision([{ put: "k", value: 1 }]);
        assert.deepEqual((await a.get("k"))!.version, revision, "the new version");
      }
      await put(a, "k", 2);
      const v2 = (await a.get("k"))!.version;
      assert.ok(v2 !== v1 && v2 > 0);
      await a.commit([{ put: "k", value: 3 }, { put: "k", value: 4 }]);
      assert.equal((await a.get("k"))?.value, 4);
    });

    await step(t, "commit() applies writes only when every guard holds", async (a) => {
      await a.commit([{ put: "g/one", value: 1 }], [{ key: "g/one", version: 0 }]);
      await assert.rejects(
        () => a.commit([{ put: "g/one", value: 2 }], [{ key: "g/one", version: 0 }]),
        ConflictError,
      );
      const v = (await a.get("g/one"))!.version;
      await assert.rejects(
        () =>
          a.commit([{ put: "g/two", value: 2 }, { put: "g/one", value: 3 }], [
            { key: "g/one", version: v + 1000 },
          ]),
        ConflictError,
      );
      assert.equal(await a.get("g/two"), undefined, "a failed commit wrote nothing");
      assert.equal((await a.get("g/one"))?.value, 1);
      await a.commit([{ put: "g/one", value: 5 }, { delete: "g/zero" }], [
        { key: "g/one", version: v },
        { key: "g/zero", version: 0 },
      ]);
      assert.equal((await a.get("g/one"))?.value, 5);
      await assert.rejects(
        () => a.commit([{ put: "g/three", value: 3 }], [{ key: "g/three", version: 7 }]),
        ConflictError,
      );
    });

    await step(t, "commit() deletes; a deleted key counts as absent", async (a) => {
      await put(a, "d/one", 1);
      await put(a, "d/two", 2);
      await a.commit([{ delete: "d/one" }, { delete: "d/missing" }]);
      assert.equal(await a.get("d/one"), undefined);
      assert.deepEqual((await a.list("d/")).map((e) => e.key), ["d/two"]);
      await a.commit([{ put: "d/one", value: 3 }], [{ key: "d/one", version: 0 }]);
      assert.equal((await a.get("d/one"))?.value, 3);
    });

    await step(t, "watch() reports its own puts and deletes under the prefix", async (a) => {
      const seen: Change[] = [];
      const stop = a.watch("w/", (c) => seen.push(c));
      await put(a, "w/one", { n: 1 });
      await put(a, "other/one", 1);
      await a.commit([{ delete: "w/one" }]);
      await eventually(() => seen.length >= 2, {
        timeout: 5000,
        interval: 20,
        message: "two changes",
      });
      assert.equal(seen[0].kind, "put");
      assert.deepEqual(seen[0].kind === "put" && [seen[0].key, seen[0].value], ["w/one", { n: 1 }]);
      assert.deepEqual(seen[1], { kind: "delete", key: "w/one" });
      stop();
      await put(a, "w/two", 2);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(seen.length, 2, "nothing after stop()");
    });

    await step(t, "watch() reports another client's writes", async (a, b) => {
      const seen: Change[] = [];
      const stop = a.watch("remote/", (c) => seen.push(c));
      await new Promise((r) => setTimeout(r, 100));
      await put(b, "remote/one", { from: "b" });
      await eventually(() => seen.length >= 1, {
        timeout: 3000,
        interval: 20,
        message: "the other client's write",
      });
      if (backend.remoteChanges === "exact") {
        const version = (await a.get("remote/one"))!.version;
        assert.deepEqual(seen[0], {
          kind: "put",
          key: "remote/one",
          value: { from: "b" },
          version,
        });
        await b.commit([{ delete: "remote/one" }]);
        await eventually(() => seen.length >= 2, {
          timeout: 5000,
          interval: 20,
          message: "the delete",
        });
        assert.deepEqual(seen[1], { kind: "delete", key: "remote/one" });
      } else {
        assert.deepEqual(seen[0], { kind: "external" });
      }
      stop();
    });

    await step(t, "two clients racing a guarded create: exactly one wins", async (a, b) => {
      for (let i = 0; i < 20; i++) {
        const key = `race/${i}`;
        const results = await Promise.allSettled([
          a.commit([{ put: key, value: "a" }], [{ key, version: 0 }]),
          b.commit([{ put: key, value: "b" }], [{ key, version: 0 }]),
        ]);
        const won = results.filter((r) => r.status === "fulfilled").length;
        assert.equal(won, 1, `round ${i}: ${won} winners`);
        const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        assert.ok(lost.reason instanceof ConflictError, String(lost.reason));
        const winner = results[0].status === "fulfilled" ? "a" : "b";
        assert.deepEqual((await b.get(key))?.value, winner);
      }
    });
  };
}

Deno.test("SqliteKv passes the KvStore suite", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-kv-" });
  let n = 0;
  await suite({
    name: "SqliteKv",
    remoteChanges: "external",
    pair: () => {
      const path = `${dir}/store-${n++}.db`;
      return Promise.resolve([new SqliteKv(path), new SqliteKv(path)]);
    },
  })(t);
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "EtcdKv passes the KvStore suite on a 3-member cluster",
  ignore: skipEtcd,
  async fn(t) {
    await using cluster = await EtcdCluster.start();
    let n = 0;
    await suite({
      name: "EtcdKv",
      remoteChanges: "exact",
      pair: async () => {
        // Each case gets its own prefix: a fresh, empty store.
        const prefix = `/kv-test-${n++}/`;
        const [a, b] = cluster.endpoints;
        return [
          await EtcdKv.open({ endpoints: cluster.endpoints, prefix }),
          await EtcdKv.open({ endpoints: [b, a], prefix }),
        ];
      },
    })(t);
  },
});

Deno.test("EtcdKv.open() fails fast with StoreUnavailableError when no member answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const started = Date.now();
  await assert.rejects(
    () => EtcdKv.open({ endpoints: [`127.0.0.1:${port}`], timeoutMs: 2000 }),
    (error) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
      assert.ok(/cannot be reached|lost quorum/.test(error.message), error.message);
      return true;
    },
  );
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
});

function processGone(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return false;
  } catch {
    return true;
  }
}

Deno.test({
  name: "EtcdKv keeps working with one member down, refuses writes without quorum, recovers",
  ignore: skipEtcd,
  async fn(t) {
    const cluster = await EtcdCluster.start();
    const pids = cluster.members.map((m) => m.process!.pid);
    const store = await EtcdKv.open({ endpoints: cluster.endpoints, prefix: "/ha/" });
    const other = await EtcdKv.open({ endpoints: cluster.endpoints, prefix: "/ha/" });
    const seen: Change[] = [];
    const stop = store.watch("", (c) => seen.push(c));
    try {
      await put(store, "before", 1);

      await t.step("one member killed: reads and writes still work", async () => {
        await cluster.kill(0);
        await put(store, "one-down", 2);
        await put(other, "one-down-other", 3);
        assert.equal((await store.get("one-down"))?.value, 2);
        assert.equal((await store.list("")).length, 3);
        await eventually(() => seen.some((c) => c.kind === "put" && c.key === "one-down-other"), {
          timeout: 5000,
          interval: 20,
          message: "the other client's write",
        });
      });

      await t.step(
        "two members killed: commit fails with StoreUnavailableError in time",
        async () => {
          await cluster.kill(1);
          const started = Date.now();
          await assert.rejects(() => put(store, "no-quorum", 4), (error) => {
            assert.ok(error instanceof StoreUnavailableError);
            assert.ok(/lost quorum|cannot be reached/.test(error.message), error.message);
            for (const endpoint of cluster.endpoints) assert.ok(error.message.includes(endpoint));
            return true;
          });
          const took = Date.now() - started;
          assert.ok(took < store.timeoutMs + 1000, `took ${took} ms`);
          await assert.rejects(() => store.get("before"), StoreUnavailableError);
        },
      );

      await t.step("members restarted: writes work again, watchers told to reload", async () => {
        await cluster.restart(0, false);
        await cluster.restart(1, false);
        await cluster.waitHealthy();
        const started = Date.now();
        await eventually(async () => {
          try {
            await put(store, "after", 5);
            return true;
          } catch (error) {
            if (!(error instanceof StoreUnavailableError)) throw error;
            return false;
          }
        }, { timeout: 15_000, interval: 20, message: "a write to succeed" });
        console.log(`writes resumed ${Date.now() - started} ms after quorum returned`);
        // The watch stream may have been on member 2: cycle it too.
        await cluster.restart(2);
        await put(other, "after-other", 6);
        await eventually(() => seen.some((c) => c.kind === "put" && c.key === "after-other"), {
          timeout: 10_000,
          interval: 20,
          message: "the write after recovery",
        });
        assert.ok(seen.some((c) => c.kind === "external"), "an external change after reconnect");
      });
    } finally {
      stop();
      await store.close();
      await other.close();
      await cluster.close();
    }
    for (const pid of pids) assert.ok(processGone(pid), `etcd process ${pid} left running`);
    assert.ok(processGone(cluster.members[0].process?.pid ?? -1));
    await assert.rejects(() => Deno.stat(cluster.dir), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "EtcdKv.lease() keys vanish when revoked or no longer renewed",
  ignore: skipEtcd,
  async fn() {
    await using cluster = await EtcdCluster.start();
    const store = await EtcdKv.open({ endpoints: cluster.endpoints, prefix: "/lease/" });
    const seen: Change[] = [];
    const stop = store.watch("online/", (c) => seen.push(c));
    try {
      const first = await store.lease(1);
      await first.put("online/first", { replica: "a" });
      assert.deepEqual((await store.get("online/first"))?.value, { replica: "a" });
      await first.revoke();
      assert.equal(await store.get("online/first"), undefined);

      const second = await store.lease(1);
      let lost = false;
      second.onLost(() => lost = true);
      await second.commit([{ put: "online/second", value: 1 }, { put: "online/third", value: 2 }]);
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok((await store.get("online/second")) !== undefined, "renewed in the background");
      // The owner "dies": it stops renewing; etcd deletes its keys after the TTL.
      second.abandon();
      await eventually(async () => (await store.list("online/")).length === 0, {
        timeout: 5000,
        interval: 20,
        message: "the keys to expire",
      });
      await eventually(() => seen.filter((c) => c.kind === "delete").length === 3, {
        timeout: 5000,
        interval: 20,
        message: "watchers to see the deletes",
      });
      assert.ok(!lost, "abandoning is no loss");
      assert.ok(!second.alive);
    } finally {
      stop();
      await store.close();
    }
  },
});

Deno.test({
  name: "EtcdKv.campaign() fails over when the leader's process is killed -9",
  ignore: skipEtcd,
  async fn() {
    await using cluster = await EtcdCluster.start();
    const ttl = 2;
    const child = spawnCampaigner(cluster.endpoints, "scheduler", "replica-1", ttl);
    const store = await EtcdKv.open({ endpoints: cluster.endpoints });
    try {
      await eventually(() => child.output().includes("elected replica-1"), {
        timeout: 15_000,
        interval: 20,
        message: "the child to be elected",
      });
      const mine = store.campaign("scheduler", "replica-2", { ttlSeconds: ttl });
      const changes: boolean[] = [];
      mine.onChange((leader) => changes.push(leader));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(mine.isLeader, false);
      assert.equal(await mine.leader(), "replica-1");

      child.child.kill("SIGKILL");
      await child.child.status;
      const killed = Date.now();
      await eventually(() => mine.isLeader, {
        timeout: (ttl + 5) * 1000,
        interval: 20,
        message: "replica-2 to lead",
      });
      const failover = Date.now() - killed;
      console.log(`leader failover after kill -9: ${failover} ms (lease TTL ${ttl} s)`);
      assert.equal(await mine.leader(), "replica-2");
      assert.deepEqual(changes, [true]);

      const third = store.campaign("scheduler", "replica-3", { ttlSeconds: ttl });
      await mine.resign();
      assert.equal(mine.isLeader, false);
      await eventually(() => third.isLeader, {
        timeout: 5000,
        interval: 20,
        message: "replica-3 to lead after the resignation",
      });
      assert.deepEqual(changes, [true, false]);
    } finally {
      try {
        child.child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.child.status;
      await child.drained;
      await store.close();
    }
  },
});

Deno.test({
  name: "EtcdKv.open() speaks TLS with a client certificate and password auth",
  ignore: skipEtcd,
  async fn() {
    await using cluster = await EtcdCluster.start(1, { tls: true });
    const { ca, clientCert: cert, clientKey: key } = cluster.tls!;
    await assert.rejects(
      () => EtcdKv.open({ endpoints: cluster.endpoints, tls: { ca, cert, key } }),
      (e) => e instanceof TypeError && /is an IP address/.test(e.message),
    );
    // The test certificate names 127.0.0.1 and localhost.
    const tls = { ca, cert, key, serverName: "localhost" };
    const store = await EtcdKv.open({ endpoints: cluster.endpoints, tls });
    await put(store, "tls", { ok: true });
    assert.deepEqual((await store.get("tls"))?.value, { ok: true });
    await store.close();

    await cluster.enableAuth("s3cret");
    const auth = { username: "root", password: "s3cret" };
    await assert.rejects(
      () => EtcdKv.open({ endpoints: cluster.endpoints, tls, auth }),
      (e) => e instanceof TypeError && /with user authentication, use host names/.test(e.message),
    );
    const byName = [`localhost:${cluster.members[0].clientPort}`];
    const authed = await EtcdKv.open({ endpoints: byName, tls: { ca, cert, key }, auth });
    assert.deepEqual((await authed.get("tls"))?.value, { ok: true });
    await put(authed, "auth", 1);
    await authed.close();
    for (const wrong of [{ ...auth, password: "wrong" }, undefined]) {
      await assert.rejects(
        () => EtcdKv.open({ endpoints: byName, tls: { ca, cert, key }, auth: wrong }),
        (e) => e instanceof StoreUnavailableError && /refused the credentials/.test(e.message),
      );
    }
  },
});
