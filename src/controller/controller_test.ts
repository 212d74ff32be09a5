import assert from "node:assert/strict";
import { Controller } from "./controller.ts";
import { SqliteKv } from "./store/sqlite.ts";
import type { Identity } from "./model.ts";

Deno.test("Controller.prune() keeps ended leases only up to the retention limit", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteKv(`${dir}/c.db`);
  const controller = await Controller.open(store, { leaseRetentionCount: 2 });
  const client: Identity = {
    kind: "Client",
    namespace: "default",
    name: "alice",
    uid: "u",
    labels: {},
    generation: 1,
    createdAt: "",
  };
  for (let i = 0; i < 5; i++) {
    const lease = await controller.createLease(client, {
      selector: { matchLabels: {}, matchExpressions: [] },
      exporterName: "missing",
      durationMs: 1000,
    });
    assert.equal(lease.ended, true);
  }
  await controller.prune();
  assert.equal(controller.listLeases("default").length, 2);
  assert.equal((await store.list("leases/")).length, 2);
  await controller.close();
  await store.close();
  await Deno.remove(dir, { recursive: true });
});
