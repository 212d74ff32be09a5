/**
 * One exporter process serving several exporter identities (the test echo
 * driver each), for benchmarks that lease many boards without a process per
 * board, and a raw TCP sink in the same process for their baseline. Prints
 * `ready PORT` (the raw sink's port) once every exporter is registered; ends
 * on SIGTERM.
 *
 *   deno run -A bench/_echo_exporters.ts CONFIG...
 */
import { loadExporterConfig } from "../src/config/exporter_config.ts";
import { DistributedExporter } from "../src/exporter/distributed.ts";
import { Logger, stderrSink } from "../src/log.ts";
import { testRegistry } from "../tests/_fixtures/test_drivers.ts";
import { answerSink } from "./_servers.ts";

const log = new Logger("exporter");
log.attach(stderrSink("warning"));
const exporters = await Promise.all(
  Deno.args.map(async (path) =>
    DistributedExporter.start(await loadExporterConfig(path), testRegistry, { log })
  ),
);
const sink = Deno.listen({ hostname: "127.0.0.1", port: 0 });
(async () => {
  for await (const conn of sink) void answerSink(conn);
})().catch(() => {});
console.log(`ready ${(sink.addr as Deno.NetAddr).port}`);
await new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", () => resolve()));
sink.close();
await Promise.all(exporters.map((e) => e.close()));
Deno.exit(0);
