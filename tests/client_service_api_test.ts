/**
 * ClientService as upstream's clients call it, through an independent gRPC
 * stack (@grpc/grpc-js + proto-loader on proto/) against a real controller.
 */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { grpcJsClientService } from "./_fixtures/grpc_js.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { loadClientConfig } from "../src/config/client_config.ts";
import { eventually } from "../testing.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "ListLeases and ListExporters honour page_size and page_token (grpc-js)",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    for (const name of ["e1", "e2", "e3"]) await lab.exporter(name, ["board=x"]);
    const api = await grpcJsClientService(alice);
    try {
      const parent = `namespaces/${api.namespace}`;
      const created: string[] = [];
      for (let i = 0; i < 3; i++) {
        const lease = await api.call<{ name: string }>("CreateLease", {
          parent,
          lease: { selector: "board=x", duration: { seconds: 600 } },
        });
        created.push(lease.name);
      }
      type Page = { leases: { name: string }[]; next_page_token: string };
      const first = await api.call<Page>("ListLeases", { parent, page_size: 2 });
      assert.equal(first.leases.length, 2);
      assert.notEqual(first.next_page_token, "");
      const second = await api.call<Page>("ListLeases", {
        parent,
        page_size: 2,
        page_token: first.next_page_token,
      });
      assert.equal(second.leases.length, 1);
      assert.equal(second.next_page_token, "");
      assert.deepEqual(
        [...first.leases, ...second.leases].map((l) => l.name).sort(),
        created.sort(),
      );

      type Exporters = { exporters: { name: string }[]; next_page_token: string };
      await eventually(
        async () => (await api.call<Exporters>("ListExporters", { parent })).exporters.length === 3,
        { timeout: 10_000, interval: 100, message: "the controller to see the new exporters" },
      );
      const e1 = await api.call<Exporters>("ListExporters", { parent, page_size: 1 });
      assert.deepEqual(e1.exporters.map((e) => e.name), [`${parent}/exporters/e1`]);
      const e2 = await api.call<Exporters>("ListExporters", {
        parent,
        page_size: 5,
        page_token: e1.next_page_token,
      });
      assert.deepEqual(e2.exporters.map((e) => e.name.replace(/^.*\//, "")), ["e2", "e3"]);
      assert.equal(e2.next_page_token, "");

      await assert.rejects(
        () => api.call("ListLeases", { parent, page_size: 2, page_token: "garbage" }),
        (e: { code: number; details: string }) =>
          e.code === 3 && /Invalid page_token/.test(e.details),
      );

      // Our own client follows the pages to the end.
      const ours = new ControllerClient(await loadClientConfig(alice));
      try {
        assert.equal((await ours.listLeases({ pageSize: 1 })).length, 3);
        assert.equal((await ours.listExporters("", 2)).length, 3);
      } finally {
        await ours.close();
      }
    } finally {
      api.close();
    }
  },
});
