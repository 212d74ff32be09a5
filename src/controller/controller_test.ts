import { assertEquals } from "../../tests/_fixtures/assert.ts";
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
    assertEquals(lease.ended, true);
  }
  await controller.prune();
  assertEquals(controller.listLeases("default").length, 2);
  assertEquals((await store.list("leases/")).length, 2);
  await controller.close();
  await store.close();
  await Deno.remove(dir, { recursive: true });
});
