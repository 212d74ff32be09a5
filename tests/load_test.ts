/**
 * A short, bounded load run (the 5-minute one is `bench/load_bench.ts`):
 * 40 clients leasing from 10 virtual exporters for 20 s on loopback. Every
 * lease is served, none lost, in queue order, and the controller's memory
 * stays bounded.
 */
import assert from "node:assert/strict";
import { type LoadFigures, queueOrderViolations } from "../bench/_load.ts";
import { ROOT } from "./_fixtures/run.ts";
import type { LeaseRecord } from "../src/controller/model.ts";

Deno.test({
  name: "load: 40 clients on 10 exporters for 20 s: no lease lost, served in queue order",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The bench script itself, in a process of its own: its memory is measured after full GCs.
    const ran = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--expose-gc", `${ROOT}/bench/load_bench.ts`],
      env: { LOAD_CLIENTS: "40", LOAD_EXPORTERS: "10", LOAD_SECONDS: "20" },
      stderr: "inherit",
    }).output();
    assert.equal(ran.code, 0);
    const figures = JSON.parse(new TextDecoder().decode(ran.stdout)) as LoadFigures;
    console.log(JSON.stringify(figures));
    assert.equal(figures.leasesLost, 0, `lost: ${figures.lostReasons.join("; ")}`);
    assert.equal(figures.queueOrderViolations, 0);
    assert.ok(figures.leasesServed > 40, `only ${figures.leasesServed} leases served`);
    // Each lease waits for one of 10 boards behind about 30 others: seconds, not minutes.
    assert.ok(figures.latencyMs.p99 < 30_000, `p99 ${figures.latencyMs.p99} ms`);
    assert.ok(figures.controllerRssMb.afterGc);
    // About 500 ended leases are kept as history: a few MB of heap, not tens.
    const heap = figures.controllerHeapMb;
    assert.ok(
      heap.at(-1)! - heap[0] < 30,
      `the controller's heap grew from ${heap[0]} to ${heap.at(-1)} MB`,
    );
  },
});

Deno.test("queueOrderViolations() counts a lease started while an older one waited", () => {
  const lease = (seq: number, created: number, began: number) =>
    ({
      seq,
      createdAt: new Date(created).toISOString(),
      effectiveBeginTime: new Date(began).toISOString(),
    }) as LeaseRecord;
  assert.equal(queueOrderViolations([lease(1, 0, 1000), lease(2, 10, 2000)]), 0);
  assert.equal(queueOrderViolations([lease(1, 0, 2000), lease(2, 10, 1000)]), 1);
  // Created too shortly before the other started: not yet in the queue the scheduler saw.
  assert.equal(queueOrderViolations([lease(1, 950, 2000), lease(2, 0, 1000)]), 0);
});
