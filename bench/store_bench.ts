/**
 * Store latency: the embedded SQLite store (baseline) against the etcd store
 * on a 3-member etcd cluster on loopback, in the same run. A commit is one
 * guarded create (a new key that must be absent, as when a lease is made);
 * a list reads 1,000 exporter-sized documents (about 600 B each); a get
 * reads one. etcd's figures include its Raft round trip and fsync on every
 * member; the cluster runs on this machine's disk.
 */
import { etcdBinary, EtcdCluster } from "../tests/_fixtures/etcd.ts";
import type { KvStore } from "../src/controller/store/kv.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { EtcdKv } from "../src/controller/store/etcd_kv.ts";

const dir = await Deno.makeTempDir({ prefix: "jumpstarter-store-bench-" });
const sqlite = await openDataDir(dir);
const cluster = etcdBinary ? await EtcdCluster.start() : undefined;
const etcd = cluster ? await EtcdKv.open({ endpoints: cluster.endpoints }) : undefined;
if (!etcd) console.error("etcd benchmarks skipped: no etcd binary (apt-get install etcd-server)");

globalThis.addEventListener("unload", () => {
  cluster?.killNow();
  Deno.removeSync(dir, { recursive: true });
});

const record = {
  namespace: "default",
  labels: { board: "virtual", site: "lab-a", arch: "arm64", index: "0" },
  reports: [{ uuid: crypto.randomUUID(), labels: { "jumpstarter.dev/client": "power" } }],
  status: "AVAILABLE",
  statusMessage: "Available for leasing",
  online: true,
  lastSeen: new Date().toISOString(),
  padding: "x".repeat(300),
};

async function fill(store: KvStore) {
  for (let i = 0; i < 1000; i += 100) {
    await store.commit(
      Array.from({ length: 100 }, (_, j) => ({
        put: `exporters/default/board-${String(i + j).padStart(4, "0")}`,
        value: { ...record, name: `board-${i + j}` },
      })),
    );
  }
}
await fill(sqlite);
if (etcd) await fill(etcd);

let n = 0;
const stores: [string, KvStore | undefined][] = [
  ["SqliteKv", sqlite],
  ["EtcdKv (3 members, loopback)", etcd],
];
for (const [name, store] of stores) {
  const baseline = store === sqlite;
  Deno.bench({
    name: `${name}.commit() guarded create`,
    group: "commit",
    baseline,
    ignore: !store,
    async fn() {
      const key = `leases/default/bench-${n++}`;
      await store!.commit([{ put: key, value: record }], [{ key, version: 0 }]);
    },
  });
  Deno.bench({
    name: `${name}.list() 1,000 documents`,
    group: "list",
    baseline,
    ignore: !store,
    async fn() {
      const entries = await store!.list("exporters/");
      if (entries.length !== 1000) throw new Error(`listed ${entries.length}`);
    },
  });
  Deno.bench({
    name: `${name}.get() one document`,
    group: "get",
    baseline,
    ignore: !store,
    async fn() {
      await store!.get("exporters/default/board-0500");
    },
  });
}
