import assert from "node:assert/strict";
import { Controller } from "./controller.ts";
import { SqliteKv } from "./store/sqlite.ts";
import type { Identity } from "./model.ts";

Deno.test("300 concurrent lease creations on one replica all succeed, with distinct queue numbers in order", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteKv(`${dir}/c.db`);
  const controller = await Controller.open(store, {});
  const client: Identity = {
    kind: "Client",
    namespace: "default",
    name: "alice",
    uid: "u",
    labels: {},
    generation: 1,
    createdAt: "",
  };
  try {
    const created = await Promise.allSettled(
      Array.from({ length: 300 }, () =>
        controller.createLease(client, {
          selector: { matchLabels: { board: "none" }, matchExpressions: [] },
          durationMs: 60_000,
        })),
    );
    const refused = created.filter((c) => c.status === "rejected");
    assert.equal(refused.length, 0, `${refused.length} of 300 creations were refused`);
    const seqs = created.map((c) => (c as PromiseFulfilledResult<{ seq: number }>).value.seq);
    assert.equal(new Set(seqs).size, 300);
    assert.deepEqual(seqs.toSorted((a, b) => a - b), seqs.map((_, i) => i + 1));
  } finally {
    await controller.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
