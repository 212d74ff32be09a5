/**
 * Prometheus text exposition of the controller's state and RPC counters.
 *
 * @module
 */
import type { Controller } from "./controller.ts";
import type { RouterPairing } from "../router/router.ts";

/** Per-method call counts and latency sums. */
export class RpcStats {
  readonly calls = new Map<string, { count: number; errors: number; seconds: number }>();

  record(method: string, seconds: number, failed: boolean): void {
    const entry = this.calls.get(method) ?? { count: 0, errors: 0, seconds: 0 };
    entry.count++;
    entry.seconds += seconds;
    if (failed) entry.errors++;
    this.calls.set(method, entry);
  }
}

/** Renders every metric as Prometheus text. */
export function renderMetrics(
  controller: Controller,
  router: RouterPairing,
  rpc: RpcStats,
): string {
  const leases = [...controller.leases.values()];
  const lines = [
    "# HELP jumpstarter_controller_leader 1 while this replica runs the lease scheduler.",
    "# TYPE jumpstarter_controller_leader gauge",
    `jumpstarter_controller_leader{replica="${controller.coordination.replicaId}"} ${
      controller.isLeader ? 1 : 0
    }`,
    "# HELP jumpstarter_leases Leases by state.",
    "# TYPE jumpstarter_leases gauge",
    `jumpstarter_leases{state="active"} ${leases.filter((l) => !l.ended && l.exporter).length}`,
    `jumpstarter_leases{state="pending"} ${leases.filter((l) => !l.ended && !l.exporter).length}`,
    `jumpstarter_leases{state="ended"} ${leases.filter((l) => l.ended).length}`,
    "# HELP jumpstarter_exporters Registered exporters by connectivity.",
    "# TYPE jumpstarter_exporters gauge",
    `jumpstarter_exporters{state="online"} ${
      [...controller.exporters.values()].filter((e) => e.online).length
    }`,
    `jumpstarter_exporters{state="offline"} ${
      [...controller.exporters.values()].filter((e) => !e.online).length
    }`,
    "# HELP jumpstarter_router_streams Router streams open now.",
    "# TYPE jumpstarter_router_streams gauge",
    `jumpstarter_router_streams ${router.stats.active}`,
    "# HELP jumpstarter_router_streams_total Router streams by outcome.",
    "# TYPE jumpstarter_router_streams_total counter",
    `jumpstarter_router_streams_total{outcome="paired"} ${router.stats.paired}`,
    `jumpstarter_router_streams_total{outcome="refused"} ${router.stats.refused}`,
    `jumpstarter_router_streams_total{outcome="timed_out"} ${router.stats.timedOut}`,
    "# HELP jumpstarter_router_bytes_total Bytes spliced, by lease.",
    "# TYPE jumpstarter_router_bytes_total counter",
    ...[...router.stats.bytesByLease].map(([lease, bytes]) =>
      `jumpstarter_router_bytes_total{lease="${lease}"} ${bytes}`
    ),
    "# HELP jumpstarter_rpc_total RPCs handled, by method.",
    "# TYPE jumpstarter_rpc_total counter",
    ...[...rpc.calls].map(([m, e]) => `jumpstarter_rpc_total{method="${m}"} ${e.count}`),
    "# HELP jumpstarter_rpc_errors_total RPCs that failed, by method.",
    "# TYPE jumpstarter_rpc_errors_total counter",
    ...[...rpc.calls].map(([m, e]) => `jumpstarter_rpc_errors_total{method="${m}"} ${e.errors}`),
    "# HELP jumpstarter_rpc_seconds_sum Time spent in RPCs (unary: whole call; streams: until the first message), by method.",
    "# TYPE jumpstarter_rpc_seconds_sum counter",
    ...[...rpc.calls].map(([m, e]) =>
      `jumpstarter_rpc_seconds_sum{method="${m}"} ${e.seconds.toFixed(6)}`
    ),
  ];
  return lines.join("\n") + "\n";
}
