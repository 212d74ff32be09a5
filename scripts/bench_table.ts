/**
 * `deno task bench`: runs the benchmarks and prints the performance table
 * (docs/performance.md): one row per target, each beside its baseline measured in the same
 * run, with the ratio and whether the target is met. `BENCH_JSON=FILE` also
 * writes the rows to FILE as a JSON array of
 * `{figure, value, unit, baseline, baselineName, ratio, target, pass}`.
 *
 *   deno run -A scripts/bench_table.ts [--only local|distributed] [--runs N] [--strict] [--plot]
 *
 * `--strict` exits with status 1 when a target is missed. `--plot` also draws the
 * second-round curves (scale, concurrency) as SVG into docs/performance/ (`bench_plot.ts`).
 *
 * Figures come from `deno bench --json` of the bench files (`SUITES`), from
 * percentiles a bench writes itself (`call_bench.ts`, `BENCH_SAMPLES`), from
 * scripts that print one JSON line (`SCRIPTS`), and from timing whole
 * commands in fresh processes (`COMMANDS`). To add a figure, add its source
 * there and a row to `ROWS`; a row whose inputs are missing (a suite
 * skipped or failed) prints as "not measured" and fails.
 *
 * `ratio` is always our speed as a fraction of the baseline's: throughput /
 * baseline throughput, or baseline time / our time. Higher is better.
 *
 * @module
 */

import type { ScalePoint } from "../bench/scale_bench.ts";
import { writeCharts } from "./bench_plot.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.execPath();
const MB = 1e6;
const TOTAL_BYTES = 64 * 1024 * 1024;

/** One bench's statistics from `deno bench --json` (times in ms). */
interface Stats {
  n: number;
  avg: number;
  min: number;
  p75: number;
  p99: number;
}

/** A command's wall time over fresh processes (ms). */
interface Timing {
  runs: number;
  median: number;
  mean: number;
  min: number;
}

/** Everything measured, by bench name, sample name, script and command. */
interface Results {
  benches: Map<string, Stats>;
  samples: Map<string, { n: number; p50: number; p99: number }>;
  // deno-lint-ignore no-explicit-any
  scripts: Map<string, Record<string, any>>;
  commands: Map<string, Timing>;
}

/** A row of the table. */
interface Row {
  figure: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  /** What the baseline is, for the printed table. */
  baselineName: string;
  ratio: number | null;
  target: string;
  pass: boolean;
}

type Scope = "local" | "distributed";

/** The rows as written to JSON: `{figure, value, unit, baseline, baselineName, ratio, target, pass}`. */
function rowsJson(rows: Row[]): unknown[] {
  return rows.map(({ figure, value, unit, baseline, baselineName, ratio, target, pass }) => ({
    figure,
    value,
    unit,
    baseline,
    baselineName,
    ratio,
    target,
    pass,
  }));
}

/** `deno bench` files to run, and the environment each needs. */
const SUITES: { file: string; scope: Scope; samples?: boolean }[] = [
  { file: "bench/stream_bench.ts", scope: "local" },
  { file: "bench/call_bench.ts", scope: "local", samples: true },
  { file: "bench/console_bench.ts", scope: "local" },
  { file: "bench/netboot_bench.ts", scope: "local" },
  { file: "bench/router_bench.ts", scope: "distributed" },
  { file: "bench/router_tls_bench.ts", scope: "distributed" },
  { file: "bench/lease_bench.ts", scope: "distributed" },
  { file: "bench/sha256_bench.ts", scope: "local" },
];

/** Scripts that print one JSON line of figures (keyed by the script name). */
const SCRIPTS: { name: string; args: string[]; scope: Scope }[] = [
  {
    name: "scale",
    // The controller's scale curve: exporters each holding a link with its Status stream, PINGing.
    args: ["run", "-A", `${ROOT}/bench/scale_bench.ts`, "1", "1000", "10000", "30000"],
    scope: "distributed",
  },
  {
    name: "memory",
    // A 10-minute soak: `deno run -A bench/memory_bench.ts SECONDS` for a shorter one.
    args: ["run", "-A", `${ROOT}/bench/memory_bench.ts`, "600", "100"],
    scope: "local",
  },
  {
    name: "ha",
    args: ["run", "-A", `${ROOT}/bench/ha_bench.ts`],
    scope: "distributed",
  },
  {
    name: "router concurrency",
    args: ["run", "-A", `${ROOT}/bench/router_concurrency_bench.ts`, "16", "3"],
    scope: "distributed",
  },
  {
    name: "dashboard",
    // Headless Debian chromium against an in-process controller with 1,000 then 10,000 exporters.
    args: ["run", "-A", `${ROOT}/bench/dashboard_bench.ts`, "40"],
    scope: "distributed",
  },
  {
    name: "video",
    // Needs qemu-system-x86_64 and the test guest (scripts/build_test_guest.sh).
    args: ["run", "-A", `${ROOT}/bench/video_bench.ts`, "50"],
    scope: "local",
  },
];

/** Whole commands timed in fresh processes, as a user runs them (README's way: deno run -A cli.ts). */
function commands(bin: string): { name: string; argv: string[]; env?: Record<string, string> }[] {
  const cli = `${ROOT}/cli.ts`;
  return [
    { name: "bare deno", argv: [DENO, "run", "-A", `${bin}/empty.ts`] },
    { name: "--help", argv: [DENO, "run", "-A", cli, "--help"] },
    {
      name: "shell + power on",
      argv: [
        DENO,
        "run",
        "-A",
        cli,
        "shell",
        "--exporter-config",
        `${ROOT}/examples/virtual-board.yaml`,
        "--",
        "jumpstarter",
        "power",
        "on",
      ],
      // `jumpstarter` inside the session is the same CLI (README: alias jumpstarter="deno run -A cli.ts").
      env: { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` },
    },
  ];
}

const ms = (ns: number) => ns / 1e6;
const mbps = (timeMs: number, bytes = TOTAL_BYTES) => bytes / MB / (timeMs / 1000);

/** A throughput row: ours vs a baseline bench, both moving `bytes` (64 MiB) per iteration. */
function throughputRow(
  r: Results,
  figure: string,
  ours: string,
  baseline: string,
  baselineName: string,
  min: number,
  bytes = TOTAL_BYTES,
): Row {
  const o = r.benches.get(ours);
  const b = r.benches.get(baseline);
  const value = o ? mbps(o.avg, bytes) : null;
  const base = b ? mbps(b.avg, bytes) : null;
  const ratio = value !== null && base !== null ? value / base : null;
  return {
    figure,
    value,
    unit: "MB/s",
    baseline: base,
    baselineName,
    ratio,
    target: `≥ ${min * 100}% of ${baselineName}`,
    pass: ratio !== null && ratio >= min,
  };
}

/** A row whose target is an upper bound on a time. */
function timeRow(
  figure: string,
  value: number | undefined,
  baseline: number | undefined,
  baselineName: string,
  max: number,
  unit = "ms",
): Row {
  return {
    figure,
    value: value ?? null,
    unit,
    baseline: baseline ?? null,
    baselineName,
    ratio: value !== undefined && baseline !== undefined ? baseline / value : null,
    target: `≤ ${max} ${unit}`,
    pass: value !== undefined && value <= max,
  };
}

/** A row whose target is a lower bound on a rate. */
function rateRow(
  figure: string,
  value: number | undefined,
  baseline: number | undefined,
  baselineName: string,
  min: number,
  unit: string,
): Row {
  return {
    figure,
    value: value ?? null,
    unit,
    baseline: baseline ?? null,
    baselineName,
    ratio: value !== undefined && baseline !== undefined ? value / baseline : null,
    target: `≥ ${min.toLocaleString("en-US")} ${unit}`,
    pass: value !== undefined && value >= min,
  };
}

/** Rows of the controller's scale curve (`bench/scale_bench.ts`): 10,000 and 30,000 exporters. */
function scaleRows(curve: ScalePoint[]): Row[] {
  const at = (n: number) => curve.find((p) => p.exporters === n);
  const one = at(1);
  const [k10, k30] = [at(10_000), at(30_000)];
  return [
    timeRow(
      "lease create → Ready, 10,000 exporters, p50",
      k10?.leaseP50Ms,
      one?.leaseP50Ms,
      "1 exporter",
      5,
    ),
    timeRow(
      "lease create → Ready, 30,000 exporters, p50",
      k30?.leaseP50Ms,
      one?.leaseP50Ms,
      "1 exporter",
      10,
    ),
    timeRow(
      "lease create → Ready, 30,000 exporters, p99",
      k30?.leaseP99Ms,
      one?.leaseP99Ms,
      "1 exporter",
      100,
    ),
    timeRow(
      "controller with 10,000 exporters: RSS",
      k10?.rssMB,
      one?.rssMB,
      "1 exporter",
      500,
      "MB",
    ),
    timeRow(
      "controller with 30,000 exporters: RSS",
      k30?.rssMB,
      one?.rssMB,
      "1 exporter",
      1000,
      "MB",
    ),
    timeRow(
      "controller with 10,000 exporters: heartbeat CPU",
      k10?.heartbeatCpuPct,
      k10?.idleCpuPct,
      "exporters registered, not connected",
      10,
      "% of a core",
    ),
    timeRow(
      "controller with 30,000 exporters: heartbeat CPU",
      k30?.heartbeatCpuPct,
      k30?.idleCpuPct,
      "exporters registered, not connected",
      10,
      "% of a core",
    ),
  ];
}

const FAST_CALL = "driver call add(1, 2), fast channel";
const GRPC_CALL = "driver call add(1, 2), gRPC";

/** A gRPC-path byte-stream row: an absolute target (upstream's figure), the fast channel beside it. */
function grpcThroughputRow(r: Results, figure: string, group: "push" | "echo", min: number): Row {
  const names = group === "push"
    ? ["exporter byte stream push 64 MiB (client -> driver)", "client → driver"]
    : ["exporter byte stream echo 64 MiB (both directions)", "both directions"];
  const o = r.benches.get(`${names[0]}, gRPC`);
  const b = r.benches.get(`${names[0]}, fast channel`);
  const value = o ? mbps(o.avg) : null;
  const base = b ? mbps(b.avg) : null;
  return {
    figure: `${figure}, ${names[1]}, 64 KiB writes`,
    value,
    unit: "MB/s",
    baseline: base,
    baselineName: "fast local channel",
    ratio: value !== null && base !== null ? value / base : null,
    target: `≥ ${min} MB/s (upstream's own)`,
    pass: value !== null && value >= min,
  };
}
const RAW_CALL = "raw unix socket round trip (64 B)";
const CONCURRENT = "16 concurrent driver calls, fast channel";

/** The rows of the performance table (docs/performance.md), in its order. */
const ROWS: { scope: Scope; row: (r: Results) => Row | Row[] }[] = [
  {
    scope: "local",
    row: (r) =>
      throughputRow(
        r,
        "local byte stream push, client → driver, 64 KiB writes",
        "exporter byte stream push 64 MiB (client -> driver), fast channel",
        "raw unix socket push 64 MiB",
        "raw unix-socket push",
        0.5,
      ),
  },
  {
    scope: "local",
    row: (r) =>
      throughputRow(
        r,
        "local byte stream echo, both directions",
        "exporter byte stream echo 64 MiB (both directions), fast channel",
        "raw unix socket echo 64 MiB",
        "raw unix-socket echo",
        0.5,
      ),
  },
  {
    scope: "distributed",
    row: (r) =>
      throughputRow(
        r,
        "byte stream through the router (client → controller → exporter)",
        "byte stream through the router push 64 MiB (client -> controller -> exporter)",
        "raw TCP loopback push 64 MiB",
        "raw TCP loopback push",
        0.3,
      ),
  },
  {
    scope: "distributed",
    row: (r) =>
      throughputRow(
        r,
        "byte stream through the router over TLS (raw splice)",
        "byte stream through the router over TLS push 64 MiB (client -> controller -> exporter)",
        "raw TLS loopback push 64 MiB",
        "raw TLS loopback push",
        0.4,
      ),
  },
  {
    scope: "local",
    // The wire-compatible gRPC path upstream peers use: targets are upstream's own figures on
    // this machine (its Python exporter and client, 64 KiB chunks: push 248–352 MB/s, echo
    // 162–210 MB/s); the baseline is the fast local channel between the same two processes.
    row: (r) => [
      grpcThroughputRow(r, "gRPC path push", "push", 248),
      grpcThroughputRow(r, "gRPC path echo", "echo", 162),
      timeRow(
        "gRPC path driver call p50",
        r.samples.get(GRPC_CALL)?.p50,
        r.samples.get(FAST_CALL)?.p50,
        "fast local channel",
        1,
      ),
    ],
  },
  {
    scope: "local",
    row: (r) => {
      const ours = r.samples.get(FAST_CALL);
      const raw = r.samples.get(RAW_CALL);
      return [
        timeRow("driver call latency p50", ours?.p50, raw?.p50, "raw socket round trip", 0.3),
        timeRow("driver call latency p99", ours?.p99, raw?.p99, "raw socket round trip", 1),
      ];
    },
  },
  {
    scope: "local",
    row: (r) => {
      const seq = r.benches.get(FAST_CALL);
      const conc = r.benches.get(CONCURRENT);
      const raw = r.benches.get(RAW_CALL);
      const rawRate = raw ? 1000 / raw.avg : undefined;
      return [
        rateRow(
          "driver calls/s, sequential",
          seq ? 1000 / seq.avg : undefined,
          rawRate,
          "raw round trips/s",
          3000,
          "calls/s",
        ),
        rateRow(
          "driver calls/s, 16 concurrent",
          conc ? 16 * 1000 / conc.avg : undefined,
          rawRate,
          "raw round trips/s",
          10000,
          "calls/s",
        ),
      ];
    },
  },
  {
    scope: "local",
    row: (r) => {
      const help = r.commands.get("--help")?.median;
      const bare = r.commands.get("bare deno")?.median;
      return {
        figure: "`jumpstarter --help` (fresh process)",
        value: help ?? null,
        unit: "ms",
        baseline: bare ?? null,
        baselineName: "bare `deno run` of an empty file",
        ratio: help !== undefined && bare !== undefined ? bare / help : null,
        target: "≤ 2× a bare `deno run`",
        pass: help !== undefined && bare !== undefined && help <= 2 * bare,
      };
    },
  },
  {
    scope: "local",
    row: (r) =>
      timeRow(
        "`jumpstarter shell --exporter-config F -- jumpstarter power on`",
        r.commands.get("shell + power on")?.median,
        (r.commands.get("bare deno")?.median ?? NaN) * 2 || undefined,
        "two bare `deno run`s",
        300,
      ),
  },
  {
    scope: "distributed",
    row: (r) => {
      // deno bench reports no median: p75 bounds it from above.
      const lease = r.benches.get("lease create -> Ready (+ release), 1,000 exporters");
      const one = r.benches.get("lease create -> Ready (+ release), 1 exporter");
      return [
        timeRow(
          "lease create → Ready, 1,000 exporters, p50 (≤ p75 shown)",
          lease?.p75,
          one?.p75,
          "1 exporter",
          20,
        ),
        timeRow(
          "lease create → Ready, 1,000 exporters, p99",
          lease?.p99,
          one?.p99,
          "1 exporter",
          100,
        ),
      ];
    },
  },
  {
    scope: "local",
    row: (r) => {
      const m = r.scripts.get("memory");
      return [
        timeRow("exporter RSS, virtual board idle", m?.idleRssMB, undefined, "", 150, "MB"),
        timeRow("exporter RSS per open byte stream", m?.perStreamKB, undefined, "", 512, "KB"),
        {
          figure: `exporter RSS over a ${(m?.soakS ?? 600) / 60}-minute soak (end against start)`,
          value: m?.soakEndRssMB ?? null,
          unit: "MB",
          baseline: m?.soakStartRssMB ?? null,
          baselineName: "start of the soak",
          ratio: m ? m.soakStartRssMB / m.soakEndRssMB : null,
          target: "≤ 110% of its start",
          pass: m !== undefined && m.soakEndRssMB <= m.soakStartRssMB * 1.1,
        },
      ];
    },
  },
  {
    scope: "distributed",
    row: (r) => {
      const ha = r.scripts.get("ha");
      return [
        timeRow(
          "lease create → Ready, 1,000 exporters, etcd (3 members), p50",
          ha?.etcdLeaseP50Ms,
          ha?.sqliteLeaseP50Ms,
          "the same on SQLite",
          8,
        ),
        timeRow(
          "leader failover on etcd: kill -9 of the leader → next lease scheduled (median of 5)",
          ha?.failoverMedianS,
          undefined,
          "",
          2,
          "s",
        ),
        timeRow(
          "leases assigned twice during those failovers",
          ha?.assignedTwice,
          undefined,
          "",
          0,
          "runs",
        ),
      ];
    },
  },
  { scope: "distributed", row: (r) => scaleRows(r.scripts.get("scale")?.curve ?? []) },
  {
    scope: "distributed",
    row: (r) => {
      const c = r.scripts.get("router concurrency");
      return [
        {
          figure: "byte streams through the router, 16 leases at once: aggregate",
          value: c?.aggregateMBps ?? null,
          unit: "MB/s",
          baseline: c?.rawAggregateMBps ?? null,
          baselineName: "16 raw TCP loopback pushes at once",
          ratio: c ? c.aggregateMBps / c.rawAggregateMBps : null,
          target: "≥ 60% of 16 raw TCP loopback pushes",
          pass: c !== undefined && c.aggregateMBps / c.rawAggregateMBps >= 0.6,
        },
        timeRow(
          "driver call p99 of an idle session while 16 leases stream",
          c?.idleCallP99Ms,
          c?.rawLoadCallP99Ms,
          "p99 while 16 raw TCP pushes load the CPUs instead",
          5,
        ),
      ];
    },
  },
  {
    scope: "distributed",
    row: (r) => {
      const web = r.scripts.get("dashboard");
      return [
        timeRow(
          "dashboard: exporter list first render, 1,000 exporters (after navigation start)",
          web?.render1kMs,
          undefined,
          "",
          300,
        ),
        timeRow(
          "dashboard: a change the controller sees reaches the page, p50",
          web?.changeP50Ms,
          undefined,
          "",
          200,
        ),
      ];
    },
  },
  {
    scope: "local",
    row: (r) =>
      // The honest ceiling is the same work over a bare pipe between the same two processes;
      // `cp` (one in-kernel copy, no hash, no sync) is reported below, not the target.
      throughputRow(
        r,
        "storage flash over the local socket (64 MiB, FileStorageMux, sha256 both ends)",
        "jumpstarter storage flash over the local socket (sha256 verified), fast channel",
        "bound: bare pipe, no framework (read, sha256, unix socket, write, sha256, fsync, rename)",
        "the same work over a bare pipe",
        0.85,
      ),
  },
  {
    scope: "local",
    row: (r) => {
      const video = r.scripts.get("video");
      return timeRow(
        "video snapshot p50 (QEMU board's 720x400 VGA screen, PNG, local socket)",
        video?.snapshotP50,
        video?.screendumpP50,
        "QMP screendump + file read in the exporter",
        100,
      );
    },
  },
  {
    scope: "local",
    row: (r) => [
      throughputRow(
        r,
        "TFTP fetch from network.TftpServer (64 MiB, blksize 1468, curl)",
        "network.TftpServer: TFTP fetch 64 MiB, blksize 1468",
        "in.tftpd: TFTP fetch 64 MiB, blksize 1468",
        "tftpd-hpa's `in.tftpd`",
        0.5,
      ),
      throughputRow(
        r,
        "HTTP fetch from network.HttpServer (256 MiB, curl)",
        "network.HttpServer: HTTP fetch 256 MiB",
        "busybox httpd: HTTP fetch 256 MiB",
        "`busybox httpd`",
        0.5,
        256 * 1024 * 1024,
      ),
    ],
  },
];

/** Figures printed after the table for comparison (gRPC call p99 and rates, bounds); not targets. */
const ALSO: { scope: Scope; line: (r: Results) => string | undefined }[] = [
  {
    scope: "distributed",
    line: (r) => {
      const c = r.scripts.get("router concurrency");
      if (!c) return undefined;
      return `idle session, same run: driver call p50 ${c.quietCallP50Ms} ms with nothing ` +
        `streaming; while 16 raw TCP pushes load the CPUs (no router work) p50 ` +
        `${c.rawLoadCallP50Ms} ms, p99 ${c.rawLoadCallP99Ms} ms; while 16 leases stream ` +
        `through the router p50 ${c.idleCallP50Ms} ms, p99 ${c.idleCallP99Ms} ms ` +
        `(${c.idleCalls} calls)`;
    },
  },
  {
    scope: "distributed",
    line: (r) => {
      const web = r.scripts.get("dashboard");
      if (!web) return undefined;
      return `dashboard, same run: 10,000 exporters render in ${web.render10kMs.toFixed(0)} ms ` +
        `and filter by text in ${web.filter10kMs.toFixed(0)} ms; change p99 ` +
        `${web.changeP99Ms.toFixed(0)} ms over ${web.changes} changes`;
    },
  },
  {
    scope: "local",
    line: (r) => {
      const name = (what: string) => r.benches.get(`sha256 64 MiB: ${what}`);
      const found = [
        ["node:crypto streaming (64 KiB updates)", name("node:crypto streaming, 64 KiB updates")],
        ["node:crypto one update", name("node:crypto, one update")],
        ["WebCrypto subtle.digest", name("WebCrypto subtle.digest (whole buffer)")],
      ] as const;
      if (found.some(([, s]) => !s)) return undefined;
      return `sha256 of 64 MiB, same run: ${
        found.map(([what, s]) => `${what} ${mbps(s!.avg).toFixed(0)} MB/s`).join(", ")
      }`;
    },
  },
  {
    scope: "local",
    line: (r) => {
      const call = r.samples.get("driver call add(1, 2), gRPC");
      const seq = r.benches.get("driver call add(1, 2), gRPC");
      const conc = r.benches.get("16 concurrent driver calls, gRPC");
      if (!call || !seq || !conc) return undefined;
      return `gRPC calls, same run: p50 ${call.p50.toFixed(2)} ms, p99 ${call.p99.toFixed(2)} ms, ${
        (1000 / seq.avg).toFixed(0)
      } calls/s sequential, ${(16000 / conc.avg).toFixed(0)} calls/s with 16 concurrent`;
    },
  },
  {
    scope: "local",
    line: (r) => {
      const grpc = r.benches.get(
        "jumpstarter storage flash over the local socket (sha256 verified), gRPC",
      );
      const bare = r.benches.get(
        "bound: bare pipe, no framework (read, sha256, unix socket, write, sha256, fsync, rename)",
      );
      const bareNoHash = r.benches.get(
        "bound: bare pipe, no framework, no sha256 (read, unix socket, write, fsync, rename)",
      );
      const cp = r.benches.get("cp of the 64 MiB image");
      const synced = r.benches.get("cp + fsync of the copy");
      if (!grpc || !bare || !bareNoHash || !cp || !synced) return undefined;
      const ofCp = (avg: number) =>
        `${mbps(avg).toFixed(0)} MB/s (${((cp.avg / avg) * 100).toFixed(0)}% of cp)`;
      return `flash, same run: the same work over a bare pipe, no framework, between the same ` +
        `two processes (read, sha256, send; receive, write, sha256, fsync, rename) ` +
        `${ofCp(bare.avg)}, the same without sha256 ` +
        `${ofCp(bareNoHash.avg)}; over gRPC ${mbps(grpc.avg).toFixed(0)} MB/s; cp + fsync ` +
        `${mbps(synced.avg).toFixed(0)} MB/s`;
    },
  },
  {
    scope: "local",
    line: (r) => {
      const video = r.scripts.get("video");
      if (!video) return undefined;
      return `video snapshot, same run: p99 ${video.snapshotP99.toFixed(1)} ms; over gRPC p50 ${
        video.grpcSnapshotP50.toFixed(1)
      } ms (${video.samples} samples, ${video.pngBytes} B PNG)`;
    },
  },
];

/** Runs a process; returns its stdout (stderr passes through when `loud`). */
async function run(
  argv: string[],
  env: Record<string, string> = {},
  loud = true,
): Promise<{ ok: boolean; stdout: string }> {
  const output = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: loud ? "inherit" : "null",
  }).output();
  return { ok: output.success, stdout: new TextDecoder().decode(output.stdout) };
}

/**
 * Why a `deno bench --json` run failed: its benches' errors (which go to the
 * JSON, not stderr), else the end of what it printed.
 */
function benchFailures(stdout: string): string[] {
  const start = stdout.search(/\{\s*"version"/);
  try {
    const parsed = JSON.parse(stdout.slice(Math.max(0, start))) as {
      benches: { name: string; results: { failed?: unknown }[] }[];
    };
    const failed = parsed.benches.flatMap((bench) =>
      bench.results.filter((r) => r.failed !== undefined).map((r) =>
        `${bench.name}: ${JSON.stringify(r.failed).slice(0, 2000)}`
      )
    );
    if (failed.length > 0) return failed;
  } catch { /* not JSON: the module failed before its benches ran */ }
  return stdout.trim().split("\n").slice(-20);
}

/** Parses `deno bench --json` output (benches may print lines of their own before it). */
function benchStats(stdout: string): Map<string, Stats> {
  const start = stdout.search(/\{\s*"version"/);
  const out = new Map<string, Stats>();
  if (start < 0) return out;
  const parsed = JSON.parse(stdout.slice(start)) as {
    benches: { name: string; results: { ok?: Record<string, number> }[] }[];
  };
  for (const bench of parsed.benches) {
    const ok = bench.results[0]?.ok;
    if (!ok) continue;
    out.set(bench.name, {
      n: ok.n,
      avg: ms(ok.avg),
      min: ms(ok.min),
      p75: ms(ok.p75),
      p99: ms(ok.p99),
    });
  }
  return out;
}

async function timeCommand(
  argv: string[],
  env: Record<string, string> | undefined,
  runs: number,
): Promise<Timing | undefined> {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    const { ok } = await run(argv, env, false);
    const elapsed = performance.now() - started;
    if (!ok) return undefined;
    if (i >= 2) times.push(elapsed); // two warm-up runs fill deno's caches
  }
  times.sort((a, b) => a - b);
  return {
    runs,
    median: times[Math.floor(times.length / 2)],
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    min: times[0],
  };
}

async function machine(): Promise<string> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
    .match(/model name\s*:\s*(.*)/)?.[1] ?? Deno.build.arch;
  const memKb = Number(
    (await Deno.readTextFile("/proc/meminfo").catch(() => "")).match(/MemTotal:\s*(\d+)/)?.[1] ??
      0,
  );
  return `${navigator.hardwareConcurrency}-core ${cpu}, ${
    Math.round(memKb / 1024 / 1024)
  } GB RAM, ${Deno.build.os}, Deno ${Deno.version.deno}`;
}

function format(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return "not measured";
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toLocaleString("en-US", { maximumFractionDigits: digits })} ${unit}`;
}

function table(rows: Row[]): string {
  const cells = rows.map((row) => [
    row.figure,
    format(row.value, row.unit),
    row.baseline === null ? "—" : `${format(row.baseline, row.unit)} (${row.baselineName})`,
    row.ratio === null ? "—" : `${(row.ratio * 100).toFixed(row.ratio < 0.1 ? 1 : 0)}%`,
    row.target,
    row.pass ? "pass" : "FAIL",
  ]);
  const header = ["figure", "value", "baseline, same run", "ratio", "target", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)]
    .join("\n");
}

/**
 * `--plot`: the concurrency curve at 1, 4 and 16 streams (16 from the table's own run) and the
 * scale curve, drawn into docs/performance/ with the run's JSON.
 */
async function plot(results: Results, rows: unknown[], notes: string[]): Promise<void> {
  const concurrency = [];
  for (const streams of [1, 4]) {
    console.error(`plot: router concurrency with ${streams} streams...`);
    const { stdout } = await run([
      DENO,
      "run",
      "-A",
      `${ROOT}/bench/router_concurrency_bench.ts`,
      String(streams),
      "3",
    ]);
    const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
    if (line) concurrency.push(JSON.parse(line));
  }
  const sixteen = results.scripts.get("router concurrency");
  if (sixteen) concurrency.push(sixteen);
  const files = await writeCharts({
    machine: await machine(),
    date: new Date().toISOString().slice(0, 10),
    scale: results.scripts.get("scale")?.curve ?? [],
    concurrency,
    rows,
    notes,
  }, `${ROOT}/docs/performance`);
  for (const file of files) console.error(`wrote ${file.slice(ROOT.length + 1)}`);
}

async function main(): Promise<number> {
  const args = [...Deno.args];
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] as Scope : undefined;
  const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 15;
  const wanted = (scope: Scope) => only === undefined || only === scope;
  const results: Results = {
    benches: new Map(),
    samples: new Map(),
    scripts: new Map(),
    commands: new Map(),
  };
  const tmp = await Deno.makeTempDir({ prefix: "jumpstarter-bench-table-" });
  try {
    for (const suite of SUITES.filter((s) => wanted(s.scope))) {
      console.error(`running ${suite.file}...`);
      const samples = `${tmp}/samples.json`;
      const { ok, stdout } = await run(
        [DENO, "bench", "-A", "--json", suite.file],
        suite.samples ? { BENCH_SAMPLES: samples } : {},
      );
      if (!ok) {
        console.error(`${suite.file} failed; its rows are not measured`);
        for (const line of benchFailures(stdout)) console.error(`  ${line}`);
      }
      for (const [name, stats] of benchStats(stdout)) results.benches.set(name, stats);
      if (suite.samples) {
        const read = await Deno.readTextFile(samples).catch(() => "{}");
        for (const [name, s] of Object.entries(JSON.parse(read))) {
          results.samples.set(name, s as { n: number; p50: number; p99: number });
        }
      }
    }
    for (const script of SCRIPTS.filter((s) => wanted(s.scope))) {
      console.error(`running ${script.name}...`);
      const { stdout } = await run([DENO, ...script.args]);
      const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (line) results.scripts.set(script.name, JSON.parse(line));
    }
    if (wanted("local")) {
      await Deno.writeTextFile(`${tmp}/empty.ts`, "");
      await Deno.writeTextFile(
        `${tmp}/jumpstarter`,
        `#!/bin/sh\nexec "${DENO}" run -A "${ROOT}/cli.ts" "$@"\n`,
      );
      await Deno.chmod(`${tmp}/jumpstarter`, 0o755);
      for (const command of commands(tmp)) {
        console.error(`timing ${command.name} (${runs} fresh processes)...`);
        const timing = await timeCommand(command.argv, command.env, runs);
        if (timing) results.commands.set(command.name, timing);
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }

  const rows = ROWS.filter((r) => wanted(r.scope)).flatMap((r) => r.row(results));
  const notes = [
    ...ALSO.filter((a) => wanted(a.scope)).map((also) => also.line(results)).filter((l) => !!l),
    ...[...results.commands].map(([name, t]) =>
      `${name}: median ${t.median.toFixed(0)} ms, mean ${t.mean.toFixed(0)} ms, min ${
        t.min.toFixed(0)
      } ms over ${t.runs} runs`
    ),
  ] as string[];
  if (args.includes("--plot") && wanted("distributed")) await plot(results, rowsJson(rows), notes);
  console.log(`\nMeasured on ${await machine()}, ${new Date().toISOString().slice(0, 10)}\n`);
  console.log(table(rows));
  for (const line of notes) console.log(`  ${line}`);
  const file = Deno.env.get("BENCH_JSON");
  if (file) {
    await Deno.writeTextFile(file, JSON.stringify(rowsJson(rows), null, 2) + "\n");
    console.log(`\nrows written to ${file}`);
  }
  return args.includes("--strict") && !rows.every((row) => row.pass) ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
