/** An admin disables an exporter: the scheduler skips it, clients see it disabled; enabling it moves the queue. */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { grpcJsClientService } from "./_fixtures/grpc_js.ts";
import { runEntry } from "./_fixtures/run.ts";
import { eventually } from "../testing.ts";

Deno.test({
  name:
    "a disabled exporter gets no new leases and shows as disabled; enabled again, the lease starts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    await lab.admin("disable", "exporter", "bench-1");
    const api = await grpcJsClientService(alice);
    try {
      const parent = `namespaces/${api.namespace}`;
      type Exporter = { name: string; enabled: boolean };
      await eventually(async () => {
        const got = await api.call<Exporter>("GetExporter", {
          name: `${parent}/exporters/bench-1`,
        });
        return got.enabled === false;
      }, { timeout: 10_000, interval: 100, message: "the exporter to show as disabled" });
      const listed = await runEntry("cli.ts", [
        "--client-config",
        alice,
        "exporters",
        "list",
        "-o",
        "json",
      ]);
      assert.match(JSON.parse(listed.stdout)[0].status, /\(disabled\)$/);

      type Lease = {
        name: string;
        exporter?: string;
        conditions: { type: string; status: string }[];
      };
      const lease = await api.call<Lease>("CreateLease", {
        parent,
        lease: { selector: "board=virtual", duration: { seconds: 600 } },
      });
      await new Promise((r) => setTimeout(r, 1500));
      const pending = await api.call<Lease>("GetLease", { name: lease.name });
      assert.ok(!pending.exporter, "no lease on a disabled exporter");

      // Naming it with allow_disabled takes it anyway (upstream's --allow-disabled).
      const named = await api.call<Lease>("CreateLease", {
        parent,
        lease: { exporter_name: "bench-1", allow_disabled: true, duration: { seconds: 60 } },
      });
      await eventually(
        async () => !!(await api.call<Lease>("GetLease", { name: named.name })).exporter,
        {
          timeout: 10_000,
          interval: 100,
          message: "the allow_disabled lease to start",
        },
      );
      await api.call("DeleteLease", { name: named.name });

      await lab.admin("enable", "exporter", "bench-1");
      await eventually(
        async () => !!(await api.call<Lease>("GetLease", { name: lease.name })).exporter,
        {
          timeout: 15_000,
          interval: 100,
          message: "the queued lease to start once the exporter is enabled",
        },
      );
    } finally {
      api.close();
    }
  },
});
