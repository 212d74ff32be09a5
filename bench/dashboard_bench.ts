/**
 * The dashboard in headless Chromium against an in-process controller whose
 * store holds many exporters: the first render of the exporter list after
 * navigation start (1,000 and 10,000 exporters), filtering 10,000, and how
 * long a change the controller sees takes to reach the page (the server-sent
 * event, applied and rendered).
 *
 *   deno run -A bench/dashboard_bench.ts [CHANGES]
 * Prints one JSON line: {render1kMs, render10kMs, filter10kMs, changeP50Ms, changeP99Ms, changes}.
 * Without chromium it prints the reason on stderr and exits 1.
 */
import { Logger } from "../src/log.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { startController } from "../src/controller/server.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { keys } from "../src/controller/model.ts";
import type { ExporterRecord, Identity } from "../src/controller/model.ts";
import type { KvStore } from "../src/controller/store/kv.ts";
import { browserMissing, launchChromium } from "../tests/_fixtures/browser.ts";

const changes = Number(Deno.args[0] ?? 40);
const missing = await browserMissing();
if (missing) {
  console.error(`dashboard bench: ${missing}`);
  Deno.exit(1);
}

function record(name: string, statusMessage = ""): ExporterRecord {
  const child = (uuid: string, client: string, n: string) => ({
    uuid,
    parentUuid: `${name}-root`,
    labels: { "jumpstarter.dev/client": client, "jumpstarter.dev/name": n },
    methodsDescription: {},
  });
  return {
    namespace: "default",
    name,
    labels: { board: "virtual", rack: `r${name.length % 7}`, index: name.split("-")[1] },
    reports: [
      { uuid: `${name}-root`, labels: {}, methodsDescription: {} },
      child(`${name}-p`, "jumpstarter_driver_power.client.PowerClient", "power"),
      child(`${name}-s`, "jumpstarter_driver_pyserial.client.PySerialClient", "serial"),
    ],
    status: "AVAILABLE",
    statusMessage,
    online: true,
    lastSeen: new Date().toISOString(),
  };
}

/** Exporter identities and records from `from` to `to`, written straight into the store. */
async function seed(store: KvStore, from: number, to: number): Promise<void> {
  const writes = [];
  for (let i = from; i < to; i++) {
    const name = `board-${i}`;
    const identity: Identity = {
      kind: "Exporter",
      namespace: "default",
      name,
      uid: crypto.randomUUID(),
      labels: {},
      generation: 1,
      createdAt: new Date().toISOString(),
    };
    writes.push({ put: keys.identity("Exporter", "default", name), value: identity });
    writes.push({ put: keys.exporter("default", name), value: record(name) });
  }
  await store.commit(writes);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const dir = await Deno.makeTempDir({ prefix: "jumpstarter-dashboard-bench-" });
const store = await openDataDir(`${dir}/data`);
await seed(store, 0, 1_000);
const server = await startController({
  store,
  host: "127.0.0.1",
  port: 0,
  heartbeatTimeoutMs: 3_600_000,
  log: new Logger("controller"),
});
const browser = await launchChromium();
try {
  const { token } = await createIdentity(
    store,
    server.controller.authority,
    "Client",
    "default",
    "bench",
    {},
  );
  const login = await fetch(`${server.url}/dashboard/login-code`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  const { path } = await login.json();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}${path}`);

  /** Navigates to the dashboard; ms from navigation start to the exporter list's first render. */
  const render = async (expected: number) => {
    await page.goto(`${server.url}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
    const count = await page.locator("#exporter-count").innerText();
    if (!count.endsWith(`of ${expected}`)) {
      throw new Error(`expected ${expected}, page shows ${count}`);
    }
    return await page.evaluate(() =>
      performance.getEntriesByName("exporters-rendered")[0].startTime
    );
  };
  const render1k: number[] = [];
  for (let i = 0; i < 5; i++) render1k.push(await render(1_000));

  // Changes: the time from the store commit (the controller sees it in the same
  // turn) to the page having applied and rendered it.
  await page.locator("#live").getByText("live").waitFor();
  await page.evaluate(() => {
    const g = globalThis as unknown as { latencies: number[] };
    g.latencies = [];
    globalThis.addEventListener("dashboard-change", (event) => {
      const change = (event as CustomEvent).detail;
      for (const row of Object.values(change.exporters ?? {}) as { statusMessage: string }[]) {
        const m = row?.statusMessage.match(/^bench-at (\d+)$/);
        if (m) g.latencies.push(Date.now() - Number(m[1]));
      }
    });
  });
  for (let i = 0; i < changes; i++) {
    await store.commit([{
      put: keys.exporter("default", `board-${i}`),
      value: record(`board-${i}`, `bench-at ${Date.now()}`),
    }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await page.waitForFunction(
    (n) => (globalThis as unknown as { latencies: number[] }).latencies.length >= n,
    changes,
    { timeout: 30_000 },
  );
  const latencies = await page.evaluate(() =>
    (globalThis as unknown as { latencies: number[] }).latencies
  );

  await seed(store, 1_000, 10_000);
  const render10k: number[] = [];
  for (let i = 0; i < 3; i++) render10k.push(await render(10_000));
  // Filter 10,000 by text: from the keystroke to the filtered list drawn.
  // (A string: it runs in the page, whose DOM types this Deno file does not load.)
  const filter10k = await page.evaluate<number>(`(async () => {
    const input = document.getElementById("text");
    const started = performance.now();
    input.value = "board-99";
    input.dispatchEvent(new Event("input"));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const shown = document.getElementById("exporter-count").textContent;
    if (!shown.startsWith("111 of")) throw new Error("filter shows " + shown);
    return performance.now() - started;
  })()`);
  console.log(JSON.stringify({
    render1kMs: median(render1k),
    render10kMs: median(render10k),
    filter10kMs: filter10k,
    changeP50Ms: median(latencies),
    changeP99Ms: percentile(latencies, 0.99),
    changes: latencies.length,
  }));
} finally {
  await browser.close();
  await server.close();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
