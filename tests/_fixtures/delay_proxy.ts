/**
 * A TCP proxy that delays every chunk by a fixed time each way, keeping the
 * order: latency on a link where the kernel has no netem.
 * `deno run -A delay_proxy.ts LISTEN_HOST:PORT TARGET_HOST:PORT DELAY_MS`
 */
import { writeAll } from "../../src/driver/write_all.ts";

function hostPort(text: string): { hostname: string; port: number } {
  const at = text.lastIndexOf(":");
  return { hostname: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** Copies `from` to `to`, each chunk `delayMs` after it was read; half-closes at the end. */
async function delayed(from: Deno.Conn, to: Deno.Conn, delayMs: number): Promise<void> {
  const queue: { at: number; data: Uint8Array | null }[] = [];
  let wake: (() => void) | undefined;
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        queue.push({ at: Date.now() + delayMs, data: n === null ? null : buffer.slice(0, n) });
        wake?.();
        if (n === null) return;
      }
    } catch {
      queue.push({ at: Date.now() + delayMs, data: null });
      wake?.();
    }
  })();
  try {
    while (true) {
      if (queue.length === 0) await new Promise<void>((r) => wake = r);
      const head = queue.shift()!;
      const wait = head.at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (head.data === null) {
        await to.closeWrite().catch(() => {});
        break;
      }
      await writeAll(to, head.data);
    }
  } catch {
    from.close();
  }
  await reading;
}

const [listen, target, delay] = Deno.args;
const listener = Deno.listen(hostPort(listen));
console.log(`proxying ${listen} to ${target} with ${delay} ms each way`);
for await (const conn of listener) {
  void (async () => {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect(hostPort(target));
    } catch {
      conn.close();
      return;
    }
    await Promise.allSettled([
      delayed(conn, upstream, Number(delay)),
      delayed(upstream, conn, Number(delay)),
    ]);
    try {
      conn.close();
    } catch { /* closed */ }
    try {
      upstream.close();
    } catch { /* closed */ }
  })();
}
