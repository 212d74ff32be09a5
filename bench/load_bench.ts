/**
 * Load: 200 clients leasing from 50 virtual exporters for 5 minutes on
 * loopback (`LOAD_SECONDS`, `LOAD_CLIENTS`, `LOAD_EXPORTERS` change it, and
 * `LOAD_RETENTION` the controller's cap on ended leases kept, 10,000).
 * Prints its figures as JSON: leases served and lost, queue order
 * violations, lease latency p50/p99 and the controller's RSS after warm-up
 * and at the end. `deno run -A bench/load_bench.ts`
 */
import { runLoad } from "./_load.ts";

// Memory is measured after full collections: run again with the flag that allows them.
if (!("gc" in globalThis)) {
  const again = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exit(again.code);
}

const figures = await runLoad({
  clients: Number(Deno.env.get("LOAD_CLIENTS") ?? 200),
  exporters: Number(Deno.env.get("LOAD_EXPORTERS") ?? 50),
  seconds: Number(Deno.env.get("LOAD_SECONDS") ?? 300),
  leaseRetentionCount: Deno.env.get("LOAD_RETENTION")
    ? Number(Deno.env.get("LOAD_RETENTION"))
    : undefined,
});
console.log(JSON.stringify(figures, null, 2));
