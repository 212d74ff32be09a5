/**
 * The idle session of `router_concurrency_bench.ts`, in a process of its own
 * (another user's session, not the bench's busy event loop): leases one board
 * by selector, then calls `add(1, 2)` back to back until its stdin closes, and
 * prints every call as `[epochMs, latencyMs]` pairs, one JSON line.
 *
 *   deno run -A bench/_idle_caller.ts CLIENT_CONFIG.yaml SELECTOR
 */
import { parse } from "yaml";
import { lease } from "../mod.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { testRegistry } from "../tests/_fixtures/test_drivers.ts";

const [configPath, selector] = Deno.args;
const held = await lease({
  clientConfig: clientConfigFrom(parse(await Deno.readTextFile(configPath))),
  selector,
  duration: "1h",
  timeoutMs: 60_000,
  registry: testRegistry as unknown as Parameters<typeof lease>[0]["registry"],
});
// deno-lint-ignore no-explicit-any
const echo = (held as any).echo;
await echo.call("add", 1, 2);
console.log("ready");
let open = true;
(async () => {
  for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
  open = false;
})();
const samples: [number, number][] = [];
while (open) {
  const t0 = performance.now();
  await echo.call("add", 1, 2);
  const t1 = performance.now();
  samples.push([performance.timeOrigin + t0, t1 - t0]);
  // Pace the calls a little (an interactive session, not a load generator).
  await new Promise((r) => setTimeout(r, 2));
}
console.log(JSON.stringify(samples));
await held.close();
Deno.exit(0);
