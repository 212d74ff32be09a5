/**
 * `deno task bench --plot`: the curves of the second-round benchmarks as SVG
 * charts (Vega-Lite, rendered to SVG without a browser), each beside its
 * baseline measured in the same run, written with the run's JSON into
 * `docs/performance/` for the docs to show.
 *
 *   deno run -A scripts/bench_plot.ts FILE.json     (re-draws the charts of a committed run)
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";

/** One point of the controller's scale curve (`bench/scale_bench.ts`). */
export interface ScalePoint {
  exporters: number;
  rssMB: number;
  heartbeatCpuPct: number;
  leaseP50Ms: number;
  leaseP99Ms: number;
}

/** One point of the router's concurrency curve (`bench/router_concurrency_bench.ts`). */
export interface ConcurrencyPoint {
  streams: number;
  aggregateMBps: number;
  rawAggregateMBps: number;
  idleCallP99Ms: number;
}

/** What a `--plot` run records: the machine, the date, both curves, and the table's rows. */
export interface PlotRun {
  machine: string;
  date: string;
  scale: ScalePoint[];
  concurrency: ConcurrencyPoint[];
  /** The table's rows (`deno task bench`'s `BENCH_JSON` form). */
  rows?: unknown[];
  /** The "same run" lines printed under the table. */
  notes?: string[];
}

interface Series {
  x: number;
  y: number;
  series: string;
}

async function lineChart(
  title: string,
  xTitle: string,
  yTitle: string,
  values: Series[],
  logX: boolean,
): Promise<string> {
  const spec = vl.compile({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 480,
    height: 260,
    background: "white",
    config: { legend: { orient: "bottom", labelLimit: 400 } },
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: xTitle,
        scale: logX ? { type: "log" } : {},
        axis: { values: [...new Set(values.map((v) => v.x))] },
      },
      y: { field: "y", type: "quantitative", title: yTitle, scale: { zero: true } },
      color: { field: "series", type: "nominal", title: null },
      strokeDash: {
        condition: { test: "indexof(datum.series, 'baseline') >= 0", value: [6, 4] },
        value: [1, 0],
      },
    },
    // deno-lint-ignore no-explicit-any
  } as any).spec;
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the charts of `run` (and `run` itself as bench.json) into `dir`; returns the files. */
export async function writeCharts(run: PlotRun, dir: string): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const by = (p: ScalePoint) => p.exporters;
  const base = run.scale.find((p) => p.exporters === 1);
  const curve = run.scale.filter((p) => p.exporters > 1);
  const flat = (y: number, series: string) =>
    curve.map((p) => ({ x: by(p), y, series })) satisfies Series[];
  const charts: Record<string, Promise<string>> = {
    "lease-latency.svg": lineChart(
      `Lease create → Ready against exporter count (${run.date})`,
      "registered exporters",
      "ms",
      [
        ...curve.map((p) => ({ x: by(p), y: p.leaseP50Ms, series: "p50" })),
        ...curve.map((p) => ({ x: by(p), y: p.leaseP99Ms, series: "p99" })),
        ...(base ? flat(base.leaseP50Ms, "baseline: p50 with 1 exporter") : []),
      ],
      true,
    ),
    "controller-rss.svg": lineChart(
      `Controller RSS against exporter count (${run.date})`,
      "registered exporters",
      "MB",
      [
        ...curve.map((p) => ({ x: by(p), y: p.rssMB, series: "RSS" })),
        ...(base ? flat(base.rssMB, "baseline: RSS with 1 exporter") : []),
      ],
      true,
    ),
    "router-concurrency.svg": lineChart(
      `Aggregate byte-stream throughput against concurrent streams (${run.date})`,
      "concurrent streams (one lease each)",
      "MB/s",
      [
        ...run.concurrency.map((p) => ({
          x: p.streams,
          y: p.aggregateMBps,
          series: "through the router",
        })),
        ...run.concurrency.map((p) => ({
          x: p.streams,
          y: p.rawAggregateMBps,
          series: "baseline: raw TCP loopback",
        })),
      ],
      true,
    ),
  };
  const written: string[] = [];
  for (const [name, svg] of Object.entries(charts)) {
    await Deno.writeTextFile(`${dir}/${name}`, await svg + "\n");
    written.push(`${dir}/${name}`);
  }
  await Deno.writeTextFile(`${dir}/bench.json`, JSON.stringify(run, null, 2) + "\n");
  written.push(`${dir}/bench.json`);
  return written;
}

if (import.meta.main) {
  const file = Deno.args[0];
  if (!file) {
    console.error("usage: deno run -A scripts/bench_plot.ts docs/performance/bench.json");
    Deno.exit(2);
  }
  const run = JSON.parse(await Deno.readTextFile(file)) as PlotRun;
  const dir = file.replace(/\/[^/]*$/, "") || ".";
  for (const f of await writeCharts(run, dir)) console.log(`wrote ${f}`);
}
