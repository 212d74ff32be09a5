/**
 * The client side of the network fault tests, run in the client's
 * namespace: leases the board, calls `power.on()` every 100 ms for
 * DURATION_MS (each call bounded at STUCK_MS, default 30 s: one past that
 * is stuck), and prints one JSON line per call, then whether the lease
 * survived. `deno run -A netns_probe.ts CLIENT_CONFIG DURATION_MS [STUCK_MS]`
 */
import { lease, registry, type VirtualBoard } from "../../mod.ts";

const [clientConfig, durationText, stuckText] = Deno.args;
const STUCK_MS = Number(stuckText ?? 30_000);
const dut = await lease<VirtualBoard>({
  selector: "board=virtual",
  duration: "30m",
  clientConfig,
  registry,
});
const held = (dut as unknown as {
  lease: {
    name: string;
    controller: { getLease(name: string): Promise<{ effectiveEndTime?: unknown }> };
  };
}).lease;
console.log(JSON.stringify({ ready: Date.now(), lease: held.name }));
const until = Date.now() + Number(durationText);
while (Date.now() < until) {
  const start = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<"stuck">((r) => timer = setTimeout(() => r("stuck"), STUCK_MS));
  const outcome = await Promise.race([
    dut.power.on().then(() => "ok", (error) => `error: ${(error as Error).message.split("\n")[0]}`),
    bound,
  ]);
  clearTimeout(timer);
  console.log(JSON.stringify({ start, end: Date.now(), outcome }));
  await new Promise((r) => setTimeout(r, 100));
}
const after = await held.controller.getLease(held.name);
console.log(JSON.stringify({ leaseEnded: after.effectiveEndTime !== undefined }));
await dut.close();
console.log(JSON.stringify({ done: Date.now() }));
