/**
 * Run by the benchmarks as a separate process, the way users run an
 * exporter: serves an exporter config (`serveLocal`, so gRPC on
 * `DIR/exporter.sock` and the fast channel beside it) and the raw
 * unix-socket baselines (`DIR/raw-echo.sock` echoes, `DIR/raw-sink.sock`
 * discards then answers the byte count at EOF, `DIR/raw-flash.sock` is
 * the receiving end of the bare flash pipe writing `DIR/bare-target.img`),
 * prints `ready`, and exits
 * when its stdin closes (so it never outlives the bench process).
 *
 * Usage: deno run -A bench/_exporter_process.ts DIR CONFIG.yaml
 */
import { loadExporterConfig } from "../src/config/exporter_config.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { testRegistry } from "../tests/_fixtures/test_drivers.ts";
import { Logger, parseLogLevel, stderrSink } from "../src/log.ts";
import { answerSink, bareFlashSink } from "./_servers.ts";

const [dir, configPath] = Deno.args;

/** A raw unix socket server: echo, or count until EOF then answer the count. */
function rawServer(path: string, mode: "echo" | "sink" | "flash"): Deno.UnixListener {
  const listener = Deno.listen({ transport: "unix", path });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        if (mode === "echo") {
          await conn.readable.pipeTo(conn.writable).catch(() => {});
          return;
        }
        if (mode === "flash") {
          await bareFlashSink(conn, `${dir}/bare-target.img`).catch((error) => {
            console.error(`bare flash sink: ${error}`);
          });
          return;
        }
        await answerSink(conn);
      })();
    }
  })();
  return listener;
}

// BENCH_EXPORTER_LOG=info shows the drivers' log on stderr (off by default: no per-call logging).
const log = new Logger("exporter");
const level = Deno.env.get("BENCH_EXPORTER_LOG");
if (level) log.attach(stderrSink(parseLogLevel(level)));
const local = await serveLocal(await loadExporterConfig(configPath), testRegistry, {
  socketPath: `${dir}/exporter.sock`,
  log,
});
const listeners = [
  rawServer(`${dir}/raw-echo.sock`, "echo"),
  rawServer(`${dir}/raw-sink.sock`, "sink"),
  rawServer(`${dir}/raw-flash.sock`, "flash"),
];
await Deno.stdout.write(new TextEncoder().encode("ready\n"));
// Our parent holds our stdin: its end (or death) ends us.
for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
for (const listener of listeners) listener.close();
await local.close();
Deno.exit(0);
