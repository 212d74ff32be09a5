/** Deleting an exporter cuts it at once: its lease ends, nothing schedules it, its record stays gone. */
import assert from "node:assert/strict";
import { eventually } from "../testing.ts";
import { Lab } from "./_fixtures/lab.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";

Deno.test({
  name:
    "admin delete exporter ends its lease, drops it from lists and scheduling, and keeps it out",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using lab = await Lab.start();
    const aliceConfig = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    await using alice = await lab.connect(aliceConfig);
    const lease = await alice.createLease({ selector: "board=virtual", durationMs: 600_000 });
    const name = leaseShortName(lease);
    await eventually(
      async () => leaseCondition(await alice.getLease(name), "Ready")?.status === "True",
      {
        timeout: 10_000,
        interval: 50,
        message: "the lease to be ready",
      },
    );

    await lab.admin("delete", "exporter", "bench-1");
    await eventually(async () => {
      const ready = leaseCondition(await alice.getLease(name), "Ready");
      return ready?.status === "False" && /bench-1" was deleted/.test(ready.message ?? "");
    }, { timeout: 10_000, interval: 50, message: "the lease to end with the exporter" });
    await eventually(async () => (await alice.listExporters()).length === 0, {
      timeout: 10_000,
      interval: 50,
      message: "the exporter to leave the list",
    });
    // Its closed connection writes nothing back; a new lease finds no board.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await alice.listExporters(), []);
    const next = await alice.createLease({ selector: "board=virtual", durationMs: 60_000 });
    await eventually(
      async () =>
        leaseCondition(await alice.getLease(leaseShortName(next)), "Unsatisfiable")?.status ===
          "True",
      { timeout: 10_000, interval: 50, message: "no exporter to match any more" },
    );
  },
});
