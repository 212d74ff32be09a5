/**
 * Idle connections cannot take the controller down: with its open-file limit
 * low (512), 700 connections that never send a byte hit the connection cap
 * and the first-byte deadline, and the controller answers again at once.
 */
import assert from "node:assert/strict";
import { eventually } from "../testing.ts";
import { freePort } from "./_fixtures/lab.ts";
import { denoDir, ROOT } from "./_fixtures/run.ts";

async function health(port: number): Promise<number | string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(2000),
    });
    await res.body?.cancel();
    return res.status;
  } catch (error) {
    return String(error);
  }
}

Deno.test({
  name: "700 silent connections: the cap and the first-byte deadline keep the controller serving",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const port = freePort();
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        `ulimit -n 512 && exec "$0" run -A "${ROOT}/controller.ts" serve --data-dir "${dir}" --listen 127.0.0.1:${port} --first-byte-timeout 1s`,
        Deno.execPath(),
      ],
      env: { NO_COLOR: "1", DENO_DIR: denoDir() },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let log = "";
    const reading = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (text) => void (log += text) }),
    );
    const conns: Deno.Conn[] = [];
    try {
      await eventually(() => log.includes("listening on"), { timeout: 20_000, interval: 50 });
      for (let i = 0; i < 700; i++) {
        conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      }
      await eventually(async () => (await health(port)) === 200, {
        timeout: 15_000,
        interval: 200,
        message: "the controller to answer while the silent connections are open",
      });
      assert.match(log, /connection cap of 256 reached/);
      for (const conn of conns.splice(0)) conn.close();
      assert.equal(await health(port), 200);
    } finally {
      for (const conn of conns) conn.close();
      child.kill("SIGTERM");
      await child.status;
      await reading.catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
