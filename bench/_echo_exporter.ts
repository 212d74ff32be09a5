/**
 * An exporter process for benchmarks: serves the test echo/sink driver in
 * distributed mode from the ExporterConfig given as the first argument.
 */
import { loadExporterConfig } from "../src/config/exporter_config.ts";
import { DistributedExporter } from "../src/exporter/distributed.ts";
import { Logger, stderrSink } from "../src/log.ts";
import { testRegistry } from "../tests/_fixtures/test_drivers.ts";

const log = new Logger("exporter");
log.attach(stderrSink("info"));
const exporter = await DistributedExporter.start(
  await loadExporterConfig(Deno.args[0]),
  testRegistry,
  { log },
);
await new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", () => resolve()));
await exporter.close();
Deno.exit(0);
