/**
 * Shared set-up for the benchmarks: an exporter with the test echo driver on
 * a unix socket, and raw unix-socket servers for the baselines, all in this
 * process so each figure and its baseline run on the same machine, same run.
 */
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { connect } from "../src/client/connect.ts";
import { testRegistry } from "../tests/_fixtures/test_drivers.ts";

export const CHUNK = 64 * 1024;
export const TOTAL = 64 * 1024 * 1024;
export const chunk = new Uint8Array(CHUNK).fill(7);

const dir = await Deno.makeTempDir({ prefix: "jumpstarter-bench-" });

/** The exporter under test and a client connected to it. */
export const local = await serveLocal(
  parseExporterConfig("export:\n  echo: {type: test.Echo}\n", Deno.cwd()),
  testRegistry,
  { socketPath: `${dir}/exporter.sock` },
);
export const root = await connect(local.host);

/** Raw baseline: a unix socket that echoes, and one that discards then answers at EOF. */
function rawServer(path: string, mode: "echo" | "sink"): Deno.UnixListener {
  const listener = Deno.listen({ transport: "unix", path });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        if (mode === "echo") {
          await conn.readable.pipeTo(conn.writable).catch(() => {});
          return;
        }
        let count = 0;
        const buffer = new Uint8Array(256 * 1024);
        while (true) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) break;
          count += n;
        }
        await conn.write(new TextEncoder().encode(String(count))).catch(() => {});
        try {
          conn.close();
        } catch { /* the client may have closed first */ }
      })();
    }
  })();
  return listener;
}
export const rawEchoPath = `${dir}/raw-echo.sock`;
export const rawSinkPath = `${dir}/raw-sink.sock`;
const listeners = [rawServer(rawEchoPath, "echo"), rawServer(rawSinkPath, "sink")];

/** Writes TOTAL bytes in CHUNK writes, then half-closes. */
export async function push(writable: WritableStream<Uint8Array>): Promise<void> {
  const writer = writable.getWriter();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(chunk);
  await writer.close();
}

/** Reads until EOF; returns the byte count. */
export async function drain(readable: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const data of readable) n += data.byteLength;
  return n;
}

globalThis.addEventListener("unload", () => {
  for (const l of listeners) l.close();
  Deno.removeSync(dir, { recursive: true });
});
