import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../../../tests/_fixtures/assert.ts";
import { EtcdCluster, skipEtcd } from "../../../tests/_fixtures/etcd.ts";
import { openStore, parseStoreSpec } from "./open.ts";
import { SqliteKv } from "./sqlite.ts";
import { EtcdKv } from "./etcd.ts";
import { put } from "./kv.ts";

Deno.test("parseStoreSpec() reads data directories, sqlite: and etcd:// specs", () => {
  assertEquals(parseStoreSpec("./lab"), { kind: "sqlite", dataDir: "./lab" });
  assertEquals(parseStoreSpec("sqlite:/var/lib/js"), { kind: "sqlite", dataDir: "/var/lib/js" });
  assertEquals(parseStoreSpec("sqlite:///var/lib/js"), { kind: "sqlite", dataDir: "/var/lib/js" });
  assertEquals(parseStoreSpec("sqlite:/x/controller.db"), {
    kind: "sqlite",
    file: "/x/controller.db",
  });
  assertEquals(parseStoreSpec("etcd://127.0.0.1:2379"), {
    kind: "etcd",
    endpoints: ["127.0.0.1:2379"],
    prefix: undefined,
  });
  assertEquals(parseStoreSpec("etcd://a,b:2380,[::1]:2381/lab/"), {
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
    const error = assertThrows(() => parseStoreSpec(spec), TypeError, message);
    assert(!error.message.includes("\n"), error.message);
  }
});

Deno.test("openStore() opens SQLite in a data dir or a named file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-open-" });
  const inDir = await openStore(`${dir}/data`);
  assert(inDir instanceof SqliteKv);
  assertEquals(inDir.description, `sqlite:${dir}/data/controller.db`);
  await put(inDir, "k", 1);
  await inDir.close();
  const again = await openStore(inDir.description);
  assertEquals((await again.get("k"))?.value, 1);
  await again.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openStore() rejects unreadable etcd TLS files before connecting", async () => {
  await assertRejects(
    () => openStore("etcd://127.0.0.1:1", { etcd: { tls: { ca: "/nonexistent/ca.pem" } } }),
    TypeError,
    'Cannot read etcd TLS CA file "/nonexistent/ca.pem"',
  );
  await assertRejects(
    () => openStore("etcd://127.0.0.1:1", { etcd: { tls: { cert: "c.pem" } } }),
    TypeError,
    "needs a CA file",
  );
});

Deno.test({
  name: "openStore() opens etcd:// with the prefix from the spec",
  ignore: skipEtcd,
  async fn() {
    await using cluster = await EtcdCluster.start(1);
    const store = await openStore(`etcd://${cluster.endpoints[0]}/spec-prefix/`);
    assert(store instanceof EtcdKv);
    assertEquals(store.description, `etcd://${cluster.endpoints[0]}/spec-prefix/`);
    await put(store, "k", 1);
    const raw = await EtcdKv.open({ endpoints: cluster.endpoints, prefix: "/" });
    assertEquals((await raw.get("spec-prefix/k"))?.value, 1);
    await raw.close();
    await store.close();
  },
});
