/**
 * ControllerService.Status, which the controller serves on node:http2 ahead
 * of Connect (`src/controller/status_stream.ts`), called by an independent
 * gRPC stack (grpc-js, as upstream's exporter holds it): a call with a
 * deadline goes to the Connect service instead, and both give the same
 * answers. The stream carries lease assignments, marks its exporter offline
 * when it closes, and ends UNAUTHENTICATED when its exporter is deleted.
 */
import assert from "node:assert/strict";
import { MixedLab, opensslMissing } from "./_fixtures/mixed_lab.ts";
import { controllerClient, grpc, unary, type UpstreamConfig } from "./_fixtures/upstream_stack.ts";
import { STATUS } from "./_fixtures/upstream_exporter.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { deleteIdentity } from "../src/controller/admin.ts";
import { eventually } from "../testing.ts";

const CI = Deno.env.get("CI") === "true";

// deno-lint-ignore no-explicit-any
type Any = any;

/** Opens Status; `deadline` sends grpc-timeout, which leaves the call to Connect. */
function openStatus(config: UpstreamConfig, deadline: boolean) {
  const client = controllerClient(config);
  const call = client.Status({}, deadline ? { deadline: Date.now() + 60_000 } : {});
  const updates: Any[] = [];
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    call.on("data", (update: Any) => updates.push(update));
    // Connect percent-encodes more of grpc-message than the spec asks (";", ":"), and
    // grpc-js decodes it with decodeURI, which leaves those escaped: the text is compared.
    call.on(
      "error",
      (error: Any) => resolve({ code: error.code, details: decodeURIComponent(error.details) }),
    );
    call.on("end", () => resolve({ code: 0, details: "" }));
  });
  return { client, call, updates, ended };
}

Deno.test({
  name: "Status answers a wrong caller as the Connect service does, with or without a deadline",
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: opensslMissing && !CI,
  async fn() {
    await using lab = await MixedLab.start();
    const alice = await lab.client("alice");
    const box = await lab.exporter("box", { board: "box" });
    const callers: [string, UpstreamConfig][] = [
      ["a client's token", alice.upstream],
      ["a forged token", {
        ...box.upstream,
        identity: { ...box.upstream.identity, token: `${box.upstream.identity.token}x` },
      }],
      ["another name for the token", {
        ...box.upstream,
        identity: { ...box.upstream.identity, name: "other" },
      }],
    ];
    for (const [who, config] of callers) {
      const fast = openStatus(config, false);
      const connect = openStatus(config, true);
      const [a, b] = await Promise.all([fast.ended, connect.ended]);
      assert.notEqual(a.code, 0, `${who}: refused`);
      assert.deepEqual(a, b, `${who}: the same answer on both paths`);
      fast.client.close();
      connect.client.close();
    }
  },
});

for (const deadline of [false, true]) {
  Deno.test({
    name: `Status ${
      deadline ? "with a deadline (Connect)" : "(node:http2)"
    } carries the lease, marks the exporter offline when it closes, and ends when the exporter is deleted`,
    sanitizeOps: false,
    sanitizeResources: false,
    ignore: opensslMissing && !CI,
    async fn() {
      await using lab = await MixedLab.start();
      const alice = await lab.client("alice");
      const box = await lab.exporter("box", { board: "box" });
      await using ours = new ControllerClient(alice.ours);
      const exporter = controllerClient(box.upstream);
      await unary(exporter, "Register", { labels: { board: "box" }, reports: [] });
      await unary(exporter, "ReportStatus", { status: STATUS.AVAILABLE, message: "" });

      // Leased while following: the assignment arrives with the lease and client names.
      const first = openStatus(box.upstream, deadline);
      const name = await lab.lease(ours, "board=box");
      await eventually(() => first.updates.some((u) => u.leased && u.leaseName === name), {
        timeout: 10_000,
        interval: 20,
        message: "the lease on the Status stream",
      });
      const update = first.updates.find((u) => u.leased);
      assert.equal(update.clientName, "alice");
      await ours.releaseLease(name);

      // The exporter leaves: it is offline.
      first.call.cancel();
      assert.equal((await first.ended).code, grpc.status.CANCELLED);
      await eventually(async () => {
        const [listed] = await ours.listExporters();
        return listed?.online === false;
      }, { timeout: 10_000, interval: 20, message: "the exporter to be offline" });

      // Back, then deleted: its stream ends as its token stops working.
      const second = openStatus(box.upstream, deadline);
      await eventually(async () => {
        const [listed] = await ours.listExporters();
        return listed?.online === true;
      }, { timeout: 10_000, interval: 20, message: "the exporter to be online again" });
      await deleteIdentity(lab.store, { kind: "Exporter", namespace: "default", name: "box" });
      const ended = await second.ended;
      assert.equal(ended.code, grpc.status.UNAUTHENTICATED);
      assert.match(ended.details, /Token revoked: exporter was deleted/);
      exporter.close();
      second.client.close();
      first.client.close();
    },
  });
}
