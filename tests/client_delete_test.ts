/** Deleting a client ends its leases; a client made again under the same name does not own them. */
import assert from "node:assert/strict";
import { eventually } from "../testing.ts";
import { Lab } from "./_fixtures/lab.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";

Deno.test({
  name:
    "admin delete client ends its leases; a re-created client with the same name cannot use them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using lab = await Lab.start();
    const first = await lab.client("alice");
    const watcher = await lab.client("bob");
    await lab.exporter("bench-1", ["board=virtual"]);
    let name: string;
    {
      await using alice = await lab.connect(first);
      const lease = await alice.createLease({ selector: "board=virtual", durationMs: 600_000 });
      name = leaseShortName(lease);
      await eventually(
        async () => leaseCondition(await alice.getLease(name), "Ready")?.status === "True",
        {
          timeout: 10_000,
          interval: 50,
          message: "alice's lease to be ready",
        },
      );
    }
    await lab.admin("delete", "client", "alice");
    // The board is free again: another client gets it at once.
    await using bob = await lab.connect(watcher);
    const next = await bob.createLease({ selector: "board=virtual", durationMs: 60_000 });
    await eventually(
      async () =>
        leaseCondition(await bob.getLease(leaseShortName(next)), "Ready")?.status === "True",
      {
        timeout: 10_000,
        interval: 50,
        message: "the deleted client's board to go to bob",
      },
    );

    const again = await lab.client("alice");
    await using alice = await lab.connect(again);
    await assert.rejects(alice.getLease(name), /No lease named/);
    await assert.rejects(alice.releaseLease(name), /No lease named/);
    assert.deepEqual(await alice.listLeases(), [], "none of the old identity's leases");
  },
});
