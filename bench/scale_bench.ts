/**
 * The controller's scale curve: one real controller process per exporter
 * count, each holding COUNT registered exporters that behave as ours do from
 * this process: each its own HTTP/2 connection (from 127.0.0.2-17, so 30,000
 * fit the ephemeral ports) with its Status stream open, PINGed every 10 s by
 * the session manager as the exporter's link is (`LINK_PINGS`), which the
 * controller takes as their sign of life. For each count: lease create →
 * Ready (+ release) latency over RPC, p50 and p99, the controller's RSS with
 * those connections open (and before they opened), and the CPU its
 * exporters' signs of life cost (from /proc, utime+stime, the median of
 * three 10 s windows) against the same process with the exporters
 * registered but not connected.
 *
 *   deno run -A bench/scale_bench.ts [COUNT...]        (default 1000 10000 30000)
 *
 * Each link holds a file descriptor in this process and in the controller.
 * When COUNT + 1000 is over the open-file limit (`ulimit -n`; 20,000 here,
 * so 30,000 exporters cannot each have their own), exporters share links:
 * `exportersPerLink` Status streams on each, which PINGs that many times as
 * often, so the controller still gets one PING per exporter per 10 s; the
 * RSS then lacks the sessions not opened (`rssPerLinkKB` tells what one
 * costs). `BENCH_HEARTBEAT=unary` also sends every exporter's unchanged
 * status once a minute over its link, as our exporters did before PINGs
 * were their sign of life, for comparison.
 *
 * Prints one JSON line per count:
 * `{exporters, links, exportersPerLink, heartbeat, rssMB, rssUnlinkedMB, rssPerLinkKB, idleCpuPct, heartbeatCpuPct, heartbeatCpuWindows, callsPerS, leaseP50Ms, leaseP99Ms, leases}`
 * and a last line `{curve: [...]}` with all of them.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { connect as netConnect } from "node:net";
import { parse } from "yaml";
import { ControllerService } from "../src/gen/jumpstarter/v1/jumpstarter_pb.ts";
import { ExporterStatus } from "../src/gen/jumpstarter/v1/common_pb.ts";
import { controllerTransport, LINK_PINGS } from "../src/transport/controller_transport.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { clientConfigYaml } from "../src/controller/config_files.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { ControllerClient } from "../src/client/controller_client.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";
import { freePort } from "../tests/_fixtures/lab.ts";
import { startControllerProcess } from "./_lab.ts";

const HEARTBEAT_INTERVAL_S = 60;
const WINDOW_S = 10;
/** Windows of the heartbeat CPU measurement (the median is reported). */
const WINDOWS = 3;
const LEASES = 300;
/**
 * Leases created and released before the timed ones: the controller process
 * is fresh, and its lease path runs in V8's baseline tiers for the first few
 * hundred calls (p50 ~25% higher after 20 than after 300 here). A lab's
 * controller runs for days; the row is about that one.
 */
const WARM_UP = 300;
/** Source addresses 127.0.0.2 and on, each with its own ephemeral ports. */
const SOURCE_ADDRESSES = 16;
const UNARY = Deno.env.get("BENCH_HEARTBEAT") === "unary";

/** The soft limit on open files of this process (its children inherit it). */
function openFileLimit(): number {
  const limits = Deno.readTextFileSync("/proc/self/limits");
  return Number(limits.match(/^Max open files\s+(\d+)/m)?.[1] ?? 0);
}

/**
 * An exporter's own link to the controller, as `controllerTransport` makes it,
 * from `source`; shared by `sharing` exporters, it PINGs that many times as often.
 */
function exporterLink(endpoint: string, source: string, sharing: number) {
  const { hostname, port } = new URL(endpoint);
  const pings = { ...LINK_PINGS, pingIntervalMs: LINK_PINGS.pingIntervalMs / sharing };
  const manager = new Http2SessionManager(endpoint, pings, {
    createConnection: () =>
      netConnect({ host: hostname, port: Number(port), localAddress: source }),
  });
  const transport = createGrpcTransport({ baseUrl: endpoint, sessionManager: manager });
  return { client: createClient(ControllerService, transport), close: () => manager.abort() };
}

/** One point of the curve. */
export interface ScalePoint {
  exporters: number;
  /** What the exporters send: PINGs on their link only, or also their status once a minute. */
  heartbeat: "ping" | "ping+unary";
  rssMB: number;
  /** RSS with the exporters registered, before their links opened. */
  rssUnlinkedMB: number;
  /** What each link (an HTTP/2 session with its Status streams) added to the RSS. */
  rssPerLinkKB: number;
  /** HTTP/2 connections the exporters held, and how many shared each (see the header). */
  links: number;
  exportersPerLink: number;
  idleCpuPct: number;
  /** The median over WINDOWS windows of WINDOW_S, each of which is in `heartbeatCpuWindows`. */
  heartbeatCpuPct: number;
  heartbeatCpuWindows: number[];
  callsPerS: number;
  leaseP50Ms: number;
  leaseP99Ms: number;
  leases: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(count: number): Promise<ScalePoint> {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-scale-bench-" });
  // Identities first, straight into the store the controller will open.
  const store = await openDataDir(`${dir}/data`);
  const authority = await TokenAuthority.open(store);
  const tokens: { name: string; token: string }[] = [];
  for (let i = 0; i < count; i++) {
    const name = `board-${i}`;
    const { token } = await createIdentity(store, authority, "Exporter", "default", name, {
      board: "virtual",
      index: String(i),
    });
    tokens.push({ name, token });
  }
  const client = await createIdentity(store, authority, "Client", "default", "bencher", {});
  await store.close();

  const { child, endpoint } = await startControllerProcess(`${dir}/data`, freePort(), undefined, [
    "--max-connections",
    String(count + 1000),
  ]);
  const connections = Array.from({ length: 8 }, () => controllerTransport(endpoint, {}));
  const links: ReturnType<typeof exporterLink>[] = [];
  const perLink = Math.ceil(count / Math.max(1, openFileLimit() - 1000));
  const linkCount = Math.ceil(count / perLink);
  const stopStreams = new AbortController();
  const leases = new ControllerClient(
    clientConfigFrom(parse(clientConfigYaml(client.identity, client.token, { endpoint }))),
  );
  try {
    const cpuSeconds = async () => {
      const stat = (await Deno.readTextFile(`/proc/${child.pid}/stat`)).split(") ")[1].split(" ");
      return (Number(stat[11]) + Number(stat[12])) / 100;
    };
    const rssMB = async () => {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024;
    };
    // Each exporter calls with its own token: registering over a few shared HTTP/2
    // connections, then over its own link.
    const headersOf = (i: number) => ({
      authorization: `Bearer ${tokens[i].token}`,
      "jumpstarter-kind": "Exporter",
      "jumpstarter-namespace": "default",
      "jumpstarter-name": tokens[i].name,
    });
    for (let i = 0; i < count; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => {
        const client = createClient(
          ControllerService,
          connections[(i + j) % connections.length].transport,
        );
        const headers = headersOf(i + j);
        return client.register({ labels: {}, reports: [] }, { headers }).then(() =>
          client.reportStatus({ status: ExporterStatus.AVAILABLE, message: "" }, { headers })
        );
      }));
    }

    // Registered, not connected: the controller's own upkeep (its 1 s sweep).
    const idleStart = await cpuSeconds();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const idleCpuPct = (await cpuSeconds() - idleStart) / WINDOW_S * 100;
    const rssUnlinkedMB = await rssMB();

    // Each exporter's own link with its Status stream open, as a running exporter holds it.
    const streams: Promise<void>[] = [];
    for (let l = 0; l < linkCount; l++) {
      links.push(exporterLink(endpoint, `127.0.0.${2 + l % SOURCE_ADDRESSES}`, perLink));
    }
    const linkOf = (index: number) => links[index % linkCount];
    for (let i = 0; i < count; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, count - i) }, async (_, j) => {
        const index = i + j;
        const link = linkOf(index);
        const headers = headersOf(index);
        await link.client.reportStatus({ status: ExporterStatus.AVAILABLE, message: "" }, {
          headers,
        });
        streams.push(
          (async () => {
            for await (const _ of link.client.status({}, { headers, signal: stopStreams.signal })) {
              // lease assignments: none for these exporters
            }
          })().catch((error) => {
            if (!stopStreams.signal.aborted) {
              console.error(`scale bench: board-${index} lost its Status stream: ${error}`);
            }
          }),
        );
      }));
    }
    // Let the PINGs spread out and settle at one per link per 10 s.
    await new Promise((r) => setTimeout(r, LINK_PINGS.pingIntervalMs + 2000));

    // Signs of life over the window: the links' PINGs (sent by their session managers) and,
    // with BENCH_HEARTBEAT=unary, every exporter's status once a minute over its own link.
    const perTick = UNARY ? count / HEARTBEAT_INTERVAL_S / 10 : 0;
    let calls = 0;
    let carry = 0;
    // Several windows back to back, their median taken: one 10 s window may or may not
    // hold a major GC of the controller's heap.
    const windows: number[] = [];
    const started = performance.now();
    for (let w = 0; w < WINDOWS; w++) {
      const windowStart = performance.now();
      const busyStart = await cpuSeconds();
      while (performance.now() - windowStart < WINDOW_S * 1000) {
        const tick = performance.now();
        carry += perTick;
        const n = Math.floor(carry);
        carry -= n;
        await Promise.all(Array.from({ length: n }, () => {
          const index = calls++ % count;
          return linkOf(index).client.reportStatus(
            { status: ExporterStatus.AVAILABLE, message: "" },
            { headers: headersOf(index) },
          );
        }));
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
      }
      const seconds = (performance.now() - windowStart) / 1000;
      windows.push(Number(((await cpuSeconds() - busyStart) / seconds * 100).toFixed(1)));
    }
    const elapsed = (performance.now() - started) / 1000;
    const heartbeatCpuPct = percentile([...windows].sort((a, b) => a - b), 0.5);

    // Lease create → Ready (+ release), each for one exporter picked at random by label.
    const times: number[] = [];
    for (let i = 0; i < LEASES + WARM_UP; i++) {
      const index = Math.floor(Math.random() * count);
      const t0 = performance.now();
      const lease = await leases.createLease({
        selector: `board=virtual,index=${index}`,
        durationMs: 60_000,
      });
      if (leaseCondition(lease, "Ready")?.status !== "True") {
        throw new Error(`lease for index=${index} not Ready on return`);
      }
      await leases.releaseLease(leaseShortName(lease));
      if (i >= WARM_UP) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const rssLinked = await rssMB();
    return {
      exporters: count,
      links: linkCount,
      exportersPerLink: perLink,
      heartbeat: UNARY ? "ping+unary" : "ping",
      rssMB: Math.round(rssLinked),
      rssUnlinkedMB: Math.round(rssUnlinkedMB),
      rssPerLinkKB: Math.round((rssLinked - rssUnlinkedMB) / linkCount * 1024),
      idleCpuPct: Number(idleCpuPct.toFixed(1)),
      heartbeatCpuPct,
      heartbeatCpuWindows: windows,
      callsPerS: Math.round(calls / elapsed),
      leaseP50Ms: Number(percentile(times, 0.5).toFixed(2)),
      leaseP99Ms: Number(percentile(times, 0.99).toFixed(2)),
      leases: times.length,
    };
  } finally {
    await leases.close();
    for (const c of connections) c.close();
    stopStreams.abort();
    for (const link of links) link?.close();
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const counts = Deno.args.length ? Deno.args.map(Number) : [1000, 10_000, 30_000];
  if (openFileLimit() < 2000) {
    console.error(
      `scale bench: the open-file limit is ${openFileLimit()}; the exporters' links need more (ulimit -n)`,
    );
    Deno.exit(2);
  }
  const curve: ScalePoint[] = [];
  for (const count of counts) {
    console.error(`scale bench: ${count.toLocaleString("en-US")} exporters...`);
    const point = await measure(count);
    curve.push(point);
    console.log(JSON.stringify(point));
  }
  console.log(JSON.stringify({ curve }));
}
