import assert from "node:assert/strict";
import { estimate, queueOrder } from "./queue.ts";
import type { LeaseRecord } from "./model.ts";

function lease(seq: number, priority = 0, extra: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    namespace: "default",
    name: `l${seq}`,
    seq,
    client: "c",
    selector: { matchLabels: {}, matchExpressions: [] },
    durationMs: 60_000,
    priority,
    requeueOnExporterLoss: false,
    labels: {},
    tags: {},
    createdAt: "",
    released: false,
    ended: false,
    conditions: [],
    ...extra,
  };
}

Deno.test("queueOrder() puts higher priority first, then first come first served", () => {
  const leases = [lease(3), lease(1), lease(4, 5), lease(2, 5)];
  assert.deepEqual(leases.sort(queueOrder).map((l) => l.name), ["l2", "l4", "l1", "l3"]);
});

Deno.test("estimate() gives the position and when the board frees for this lease", () => {
  const now = 1_000_000;
  const holder = lease(1, 0, {
    exporter: "a",
    effectiveBeginTime: new Date(now - 10_000).toISOString(),
  });
  const first = lease(2);
  const second = lease(3);
  const names = () => new Set(["a"]);
  const e1 = estimate(first, [first, second], [holder], names(), new Set(["a"]), now, names);
  assert.deepEqual(e1, { position: 1, estimatedStart: now + 50_000 });
  const e2 = estimate(second, [first, second], [holder], names(), new Set(["a"]), now, names);
  assert.deepEqual(e2, { position: 2, estimatedStart: now + 110_000 });
  const offline = estimate(first, [first], [], names(), new Set(), now, names);
  assert.deepEqual(offline, { position: 1 });
});
