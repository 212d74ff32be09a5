import assert from "node:assert/strict";
import { EtcdCluster, skipEtcd } from "../../../tests/_fixtures/etcd.ts";
import { openStore, parseStoreSpec } from "./open.ts";
import { SqliteKv } from "./sqlite.ts";
import { EtcdKv } from "./etcd_kv.ts";
import { put } from "./kv.ts";

Deno.test("parseStoreSpec() reads data directories, sqlite: and etcd:// specs", () => {
  assert.deepEqual(parseStoreSpec("./lab"), { kind: "sqlite", dataDir: "./lab" });
  assert.deepEqual(parseStoreSpec("sqlite:/var/lib/js"), {
    kind: "sqlite",
    dataDir: "/var/lib/js",
  });
  assert.deepEqual(parseStoreSpec("sqlite:///var/lib/js"), {
    kind: "sqlite",
    dataDir: "/var/lib/js",
  });
  assert.deepEqual(parseStoreSpec("sqlite:/x/controller.db"), {
    kind: "sqlite",
    file: "/x/controller.db",
  });
  assert.deepEqual(parseStoreSpec("etcd://127.0.0.1:2379"), {
    kind: "etcd",
    endpoints: ["127.0.0.1:2379"],
    prefix: undefined,
  });
  assert.deepEqual(parseStoreSpec("etcd://a,b:2380,[::1]:2381/lab/"), {
    kind: "etcd",
    endpoints: ["a:2379", "b:2380", "[::1]:2381"],
    prefix: "/lab/",
  });
});

Deno.test("parseStoreSpec() rejects a bad spec with one clear line", () => {
  const cases: [string, string][] = [
    ["", 'Invalid store ""'],
    ["sqlite:", "sqlite: needs a path"],
    ["redis://x:1", 'unknown scheme "redis:"'],
    ["etcd://", "no etcd endpoint"],
    ["etcd://a:1,,b:2", 'Invalid etcd endpoint ""'],
    ["etcd://a:port", 'Invalid etcd endpoint "a:port"'],
    ["etcd://a:70000", 'Invalid etcd endpoint "a:70000"'],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => parseStoreSpec(spec), (error) => {
      assert.ok(error instanceof TypeError);
      assert.ok(error.message.includes(message), error.message);
      assert.ok(!error.message.includes("\n"), error.message);
      return true;
    });
  }
});

Deno.test("openStore() opens SQLite in a data dir or a named file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-open-" });
  const inDir = await openStore(`${dir}/data`);
  assert.ok(inDir instanceof SqliteKv);
  assert.equal(inDir.description, `sqlite:${dir}/data/controller.db`);
  await put(inDir, "k", 1);
  await inDir.close();
  const again = await openStore(inDir.description);
  assert.equal((await again.get("k"))?.value, 1);
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() rejects unreadable etcd TLS files before connecting", async () => {
  await assert.rejects(
    () => openStore("etcd://127.0.0.1:1", { etcd: { tls: { ca: "/nonexistent/ca.pem" } } }),
    (e) =>
      e instanceof TypeError &&
      /Cannot read etcd TLS CA file "\/nonexistent\/ca\.pem"/.test(e.message),
  );
  await assert.rejects(
    () => openStore("etcd://127.0.0.1:1", { etcd: { tls: { cert: "c.pem" } } }),
    (e) => e instanceof TypeError && /needs a CA file/.test(e.message),
  );
});

Deno.test({
  name: "openStore() opens etcd:// with the prefix from the spec",
  ignore: skipEtcd,
  async fn() {
    await using cluster = await EtcdCluster.start(1);
    const store = await openStore(`etcd://${cluster.endpoints[0]}/spec-prefix/`);
    assert.ok(store instanceof EtcdKv);
    assert.equal(store.description, `etcd://${cluster.endpoints[0]}/spec-prefix/`);
    await put(store, "k", 1);
    const raw = await EtcdKv.open({ endpoints: cluster.endpoints, prefix: "/" });
    assert.equal((await raw.get("spec-prefix/k"))?.value, 1);
    await raw.close();
    await store.close();
  },
});
