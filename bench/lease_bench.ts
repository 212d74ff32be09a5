/**
 * Lease create → Ready latency over RPC with 1, 100 and 1,000 registered
 * online exporters (one controller each, same run), and the memory the
 * controller needs for its registrations. Each iteration creates a lease
 * (Ready on return when a board is free) and releases it.
 */
import { ControllerClient } from "../src/client/controller_client.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";
import { registerExporters, startLab } from "./_lab.ts";

/** A controller with `count` online exporters registered in-process (no process per exporter). */
async function labWith(count: number) {
  const lab = await startLab();
  const controller = lab.server.controller;
  await registerExporters(controller, count);
  const client = new ControllerClient(await lab.client("bencher"));
  return { lab, client };
}

const rssBefore = Deno.memoryUsage().rss;
const labs = { 1: await labWith(1), 100: await labWith(100), 1000: await labWith(1000) };
const rssAfter = Deno.memoryUsage().rss;
console.log(
  `registrations: 1,101 exporters over 3 controllers in this process; RSS +${
    ((rssAfter - rssBefore) / 1e6).toFixed(1)
  } MB`,
);

async function createReady(client: ControllerClient, selector: string) {
  const lease = await client.createLease({ selector, durationMs: 60_000 });
  if (leaseCondition(lease, "Ready")?.status !== "True") {
    throw new Error("lease not ready on return");
  }
  await client.releaseLease(leaseShortName(lease));
}

Deno.bench({
  name: "lease create -> Ready (+ release), 1 exporter",
  group: "lease",
  baseline: true,
  async fn() {
    await createReady(labs[1].client, "board=virtual");
  },
});
Deno.bench({
  name: "lease create -> Ready (+ release), 100 exporters",
  group: "lease",
  async fn() {
    await createReady(labs[100].client, "board=virtual,index=57");
  },
});
Deno.bench({
  name: "lease create -> Ready (+ release), 1,000 exporters",
  group: "lease",
  async fn() {
    await createReady(labs[1000].client, "board=virtual,index=577");
  },
});

globalThis.addEventListener("unload", () => {
  for (const { lab, client } of Object.values(labs)) {
    void client.close();
    void lab.close();
    // The process exits right after unload: the store goes now or never.
    Deno.removeSync(lab.dir, { recursive: true });
  }
});
