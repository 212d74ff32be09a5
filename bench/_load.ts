/**
 * A bounded load run: a controller in this process with `exporters` virtual
 * exporters registered in-process, and `clients` clients in a child process
 * (`_load_clients.ts`) leasing in a loop for `seconds`. The figures: leases
 * served, leases lost (a client's lease that failed or timed out), queue
 * order violations (a lease given a board while an older one still waited),
 * lease latency (create → Ready, p50/p99, ms) and this process's RSS (the
 * controller alone) after warm-up and at the end.
 */
import type { LeaseRecord } from "../src/controller/model.ts";
import { registerExporters, startLab } from "./_lab.ts";

/** What a load run is asked for. */
export interface LoadOptions {
  clients: number;
  exporters: number;
  seconds: number;
  /** Most ended leases the controller keeps (its default: 10,000). */
  leaseRetentionCount?: number;
}

/** A load run's figures. */
export interface LoadFigures extends LoadOptions {
  leasesServed: number;
  leasesLost: number;
  lostReasons: string[];
  queueOrderViolations: number;
  latencyMs: { p50: number; p99: number; max: number };
  controllerRssMb: {
    start: number;
    end: number;
    samples: number[];
    afterGc: boolean;
    /**
     * At the first sample after the controller's history of ended leases
     * reached its cap (memory held by design, bounded by the cap), and how
     * many seconds into the run that was; absent when the run ended first.
     */
    historyFull?: { mb: number; atS: number };
  };
  /** V8 heap in use (MB) at the same moments: JS objects, without native memory. */
  controllerHeapMb: number[];
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

/** This process's RSS, after a full garbage collection when `--v8-flags=--expose-gc` allows it. */
function rss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return Deno.memoryUsage().rss;
}

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);
}

/**
 * Leases given a board while an older lease (lower seq) was already waiting
 * (created more than 100 ms before: a create still being written is not yet
 * in the queue the scheduler sees).
 */
export function queueOrderViolations(
  leases: Pick<LeaseRecord, "createdAt" | "effectiveBeginTime" | "seq">[],
): number {
  type Event = { at: number; start: boolean; seq: number };
  const events: Event[] = [];
  for (const l of leases) {
    if (!l.effectiveBeginTime) continue;
    events.push({ at: Date.parse(l.createdAt) + 100, start: false, seq: l.seq });
    events.push({ at: Date.parse(l.effectiveBeginTime), start: true, seq: l.seq });
  }
  events.sort((a, b) => a.at - b.at || Number(b.start) - Number(a.start));
  const waiting = new MinHeap();
  const started = new Set<number>();
  let violations = 0;
  for (const e of events) {
    if (!e.start) {
      if (!started.has(e.seq)) waiting.push(e.seq);
      continue;
    }
    started.add(e.seq);
    while (waiting.size > 0 && started.has(waiting.peek())) waiting.pop();
    if (waiting.size > 0 && waiting.peek() < e.seq) violations++;
  }
  return violations;
}

/** A min-heap of numbers. */
class MinHeap {
  readonly #items: number[] = [];
  get size(): number {
    return this.#items.length;
  }
  peek(): number {
    return this.#items[0];
  }
  push(value: number): void {
    const a = this.#items;
    a.push(value);
    for (let i = a.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= a[i]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }
  pop(): number | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Runs the load and returns its figures. */
export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const lab = await startLab({ leaseRetentionCount: options.leaseRetentionCount });
  const retention = options.leaseRetentionCount ?? 10_000;
  try {
    await registerExporters(lab.server.controller, options.exporters);
    const seen = new Map<
      string,
      Pick<LeaseRecord, "createdAt" | "effectiveBeginTime" | "seq"> & { ended: boolean }
    >();
    // Only what the queue-order check needs: whole records would make this
    // process (whose RSS is the controller's figure) grow with every lease.
    let ended = 0;
    const stop = lab.server.controller.onLeaseChange((l) => {
      if (l.ended && !seen.get(l.name)?.ended) ended++;
      seen.set(l.name, {
        createdAt: l.createdAt,
        effectiveBeginTime: l.effectiveBeginTime,
        seq: l.seq,
        ended: Boolean(l.ended),
      });
    });
    const configs = [];
    for (let i = 0; i < options.clients; i++) configs.push(await lab.client(`load-${i}`));
    const configsPath = `${lab.dir}/clients.json`;
    await Deno.writeTextFile(configsPath, JSON.stringify(configs));
    const runStart = Date.now();
    const deadline = runStart + options.seconds * 1000;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_load_clients.ts", import.meta.url).pathname,
        configsPath,
        String(deadline),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    // Warm-up: the first leases, caches and JIT.
    await new Promise((r) => setTimeout(r, Math.min(10_000, options.seconds * 200)));
    const rssStart = rss();
    const samples = [mb(rssStart)];
    const heap = [mb(Deno.memoryUsage().heapUsed)];
    let historyFull: { mb: number; atS: number } | undefined;
    const sample = () => {
      samples.push(mb(rss()));
      heap.push(mb(Deno.memoryUsage().heapUsed));
      if (!historyFull && ended >= retention) {
        historyFull = { mb: samples.at(-1)!, atS: Math.round((Date.now() - runStart) / 1000) };
      }
    };
    const sampler = setInterval(sample, Math.min(30_000, options.seconds * 250));
    const output = await child.output();
    clearInterval(sampler);
    stop();
    const rssEnd = rss();
    heap.push(mb(Deno.memoryUsage().heapUsed));
    const { latencies, failures } = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      latencies: number[];
      failures: string[];
    };
    const open = [...lab.server.controller.leases.values()].filter((l) => !l.ended);
    const sorted = latencies.sort((a, b) => a - b);
    return {
      ...options,
      leasesServed: latencies.length,
      leasesLost: failures.length + open.length,
      lostReasons: [...new Set(failures)].slice(0, 5),
      queueOrderViolations: queueOrderViolations([...seen.values()]),
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: Math.round(sorted.at(-1) ?? 0),
      },
      controllerRssMb: {
        start: mb(rssStart),
        end: mb(rssEnd),
        samples,
        afterGc: "gc" in globalThis,
        historyFull,
      },
      controllerHeapMb: heap,
    };
  } finally {
    await lab.close();
  }
}
