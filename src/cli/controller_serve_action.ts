/**
 * What `controller serve` does: TLS (given, or a self-signed pair for a
 * non-loopback address), the store and its coordination, the server, and
 * serving until SIGTERM or SIGINT. Its options are in
 * `controller_serve_command.ts`.
 *
 * @module
 */
import { parseNumberOption } from "../client/command_values.ts";
import { Logger, parseLogLevel, stderrSink } from "../log.ts";
import type { EtcdKv } from "../controller/store/etcd_kv.ts";
import { SqliteKv } from "../controller/store/sqlite.ts";
import { SoloCoordination } from "../controller/coordination.ts";
import { startController } from "../controller/server.ts";
import { parseDuration } from "../client/duration.ts";
import { ensureTlsPair } from "../transport/tls_pair.ts";
import { routerEndpointForm } from "../controller/router_endpoints.ts";
import { checkDataDir, openConfiguredStore, type StoreFlags } from "./controller_store.ts";
import { claimDataDir } from "../controller/store/data_dir_claim.ts";
import { terminal, UsageError } from "./run.ts";
import { boardOpener } from "./dashboard_boards.ts";

/** The options of `controller serve`. */
export interface ServeOptions extends StoreFlags {
  replicaId?: string;
  authConfig?: string;
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  advertise?: string;
  routerEndpoint?: string[];
  pairingTimeout: string;
  maxLeaseDuration: string;
  leaseHistory: string;
  leaseHistoryCount: string;
  clientKeepaliveTimeout: string;
  electionTtl: string;
  maxConnections?: string;
  firstByteTimeout: string;
  logLevel: string;
  logJson?: boolean;
}

/**
 * Past this a shutdown stops waiting and the process exits: its steps are
 * bounded (about 5 s together at worst), this is the backstop.
 */
const SHUTDOWN_DEADLINE_MS = 8000;

/** True when `promise` settles within `ms` (its rejection is thrown), false otherwise. */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

function parseListen(text: string): { host: string; port: number } {
  const m = text.match(/^(\[[^\]]+\]|[^:]+):(\d+)$/);
  if (!m) throw new UsageError(`Invalid --listen "${text}": use HOST:PORT, e.g. 0.0.0.0:8082`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

function checkRouterEndpoints(endpoints: string[], tls: boolean): void {
  for (const endpoint of endpoints) {
    try {
      routerEndpointForm(endpoint, tls);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** `controller serve`: serves until SIGTERM or SIGINT, then closes the server. */
export async function serve(options: ServeOptions): Promise<void> {
  const { host, port } = parseListen(options.listen);
  const pairingTimeoutMs = parseDuration(options.pairingTimeout);
  const maxLeaseMs = parseDuration(options.maxLeaseDuration);
  const clientKeepaliveTimeoutMs = parseDuration(options.clientKeepaliveTimeout);
  const leaseRetentionMs = parseDuration(options.leaseHistory);
  const leaseRetentionCount = parseNumberOption(
    "--lease-history-count",
    options.leaseHistoryCount,
    { min: 0, integer: true },
  );
  const electionTtlMs = parseDuration(options.electionTtl);
  if (electionTtlMs < 1000 || electionTtlMs % 1000 !== 0) {
    throw new UsageError(
      `Invalid --election-ttl "${options.electionTtl}": etcd leases count whole seconds; use 1s or more, e.g. 2s`,
    );
  }
  const firstByteTimeoutMs = parseDuration(options.firstByteTimeout);
  const oidc = options.authConfig
    ? await (await import("../controller/oidc_config.ts")).loadOidcIssuers(options.authConfig)
    : undefined;
  const routerEndpoints = [
    ...(options.advertise ? [options.advertise] : []),
    ...(options.routerEndpoint ?? []),
  ];
  // Their form is checked before anything is made; TLS or not is known below.
  checkRouterEndpoints(routerEndpoints, false);
  await checkDataDir(options);
  const log = new Logger("controller");
  log.attach(stderrSink(parseLogLevel(options.logLevel), options.logJson === true));
  let tls: { cert: string; key: string } | undefined;
  if (options.tlsCert || options.tlsKey) {
    if (!options.tlsCert || !options.tlsKey) {
      throw new UsageError("Give both --tls-cert and --tls-key");
    }
    tls = {
      cert: await Deno.readTextFile(options.tlsCert),
      key: await Deno.readTextFile(options.tlsKey),
    };
  } else if (!isLoopback(host)) {
    if (!options.dataDir) {
      throw new UsageError(
        "A non-loopback --listen without --tls-cert/--tls-key needs --data-dir for its self-signed pair",
      );
    }
    const pair = await ensureTlsPair(`${options.dataDir}/tls`, host);
    tls = { cert: pair.cert, key: pair.key };
    terminal.err(
      `Serving TLS with a self-signed certificate (${options.dataDir}/tls/cert.pem)`,
    );
    terminal.err(`SHA-256 fingerprint: ${pair.fingerprint}`);
  }
  checkRouterEndpoints(routerEndpoints, tls !== undefined);
  // A server keeps serving: a stray rejection (an etcd client's background
  // call failing while etcd has no quorum) is logged, not fatal.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error(
      `unexpected: ${event.reason instanceof Error ? event.reason.message : event.reason}`,
    );
  });
  // One serving controller per data dir: a second one would be a second leader.
  const release = options.dataDir && !options.store
    ? await claimDataDir(options.dataDir)
    : () => {};
  const store = await openConfiguredStore(options).catch((error) => {
    release();
    throw error;
  });
  const replicaId = options.replicaId ?? `${Deno.hostname()}:${port}`;
  const coordination = store instanceof SqliteKv
    ? new SoloCoordination(store, replicaId)
    : new (await import("../controller/etcd_coordination.ts")).EtcdCoordination(
      store as EtcdKv,
      replicaId,
      electionTtlMs / 1000,
    );
  const server = await startController({
    store,
    host,
    port,
    tls,
    routerEndpoints,
    pairingTimeoutMs,
    maxLeaseMs,
    clientKeepaliveTimeoutMs,
    leaseRetentionMs,
    leaseRetentionCount,
    oidc,
    connections: {
      maxConnections: options.maxConnections === undefined
        ? undefined
        : parseNumberOption("--max-connections", options.maxConnections, { min: 1, integer: true }),
      firstByteTimeoutMs,
    },
    coordination,
    log,
    boards: boardOpener,
  });
  log.info(`controller ${replicaId} listening on ${server.url} (store ${store.description})`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      Deno.removeSignalListener("SIGTERM", stop);
      Deno.removeSignalListener("SIGINT", stop);
      resolve();
    };
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
  });
  log.info("shutting down");
  try {
    const finished = await withDeadline(server.close(), SHUTDOWN_DEADLINE_MS);
    if (!finished) {
      log.error(
        `shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway`,
      );
    }
  } finally {
    release();
  }
}
