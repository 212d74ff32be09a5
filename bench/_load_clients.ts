/**
 * The clients of the load run, in a process apart from the controller (so
 * the controller's memory is measured alone): each client loops until the
 * deadline, creating a lease, waiting until it is Ready, holding it a
 * moment and releasing it. Prints one JSON line: latencies (create → Ready,
 * ms), leases served, and the failures (leases lost).
 *
 * Usage: deno run -A bench/_load_clients.ts CONFIGS.json DEADLINE_MS_EPOCH
 */
import type { ClientConfig } from "../src/config/client_config.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";
import { waitForLease } from "../src/client/lease_wait.ts";

const [configsPath, deadlineText] = Deno.args;
const configs = JSON.parse(await Deno.readTextFile(configsPath)) as ClientConfig[];
const deadline = Number(deadlineText);
const latencies: number[] = [];
const failures: string[] = [];

async function loop(config: ClientConfig): Promise<void> {
  await using client = new ControllerClient(config);
  while (Date.now() < deadline) {
    const started = performance.now();
    let name: string | undefined;
    try {
      const lease = await client.createLease({ selector: "board=virtual", durationMs: 600_000 });
      name = leaseShortName(lease);
      if (leaseCondition(lease, "Ready")?.status !== "True") {
        await waitForLease(client, name, { timeoutMs: 120_000 });
      }
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    } catch (error) {
      failures.push((error as Error).message.split("\n")[0]);
    } finally {
      if (name) {
        await client.releaseLease(name).catch((e) => failures.push(`release: ${e.message}`));
      }
    }
  }
}

await Promise.all(configs.map(loop));
console.log(JSON.stringify({ latencies, failures }));
