/**
 * The controller's parts and how they are connected. Each part receives the
 * parts it calls; the few calls back up (a lease change asks for a scheduler
 * pass, a due timer ends a lease) go through closures, so the files import
 * each other in one direction only.
 *
 * @module
 */
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import type { TokenAuthority } from "./auth.ts";
import type { Coordination } from "./coordination.ts";
import { ClientKeepalives } from "./client_keepalive.ts";
import { ExporterLinks } from "./exporter_links.ts";
import { ExporterLiveness } from "./exporter_liveness.ts";
import { Identities } from "./identities.ts";
import { LeaseApi } from "./lease_api.ts";
import { LeaseBook } from "./lease_book.ts";
import { LeaseScheduler } from "./lease_scheduler.ts";
import { LeaseTimers } from "./lease_timers.ts";
import { Records } from "./records.ts";
import { Replication } from "./replication.ts";
import type { KvStore } from "./store/kv.ts";

/** What the parts are built from. */
export interface PartsConfig {
  store: KvStore;
  authority: TokenAuthority;
  coordination: Coordination;
  log: Logger;
  /** True once the controller closed. */
  closed(): boolean;
  leaseRetentionMs: number;
  leaseRetentionCount: number;
  heartbeatTimeoutMs: number;
  reattachGraceMs: number;
  maxLeaseMs: number;
  clientKeepaliveTimeoutMs: number;
}

/** Every part of one controller. */
export interface ControllerParts {
  records: Records;
  identities: Identities;
  links: ExporterLinks;
  timers: LeaseTimers;
  book: LeaseBook;
  scheduler: LeaseScheduler;
  liveness: ExporterLiveness;
  leases: LeaseApi;
  replication: Replication;
  keepalives: ClientKeepalives;
}

/** Builds the parts of a controller and connects them. */
export function connectParts(config: PartsConfig): ControllerParts {
  const { store, coordination, log, closed } = config;
  const isLeader = () => coordination.isLeader;
  const running = () => !closed() && coordination.isLeader;
  const records = new Records();
  const identities = new Identities(store, config.authority);
  const links = new ExporterLinks(store, coordination, records);
  const timers = new LeaseTimers({
    running,
    current: (leaseKey) => records.leases.get(leaseKey),
    expire: (lease) =>
      void book.end(lease, "Expired", "The lease's duration is over").catch((error) =>
        log.warning(`cannot expire lease ${lease.name}: ${messageOf(error)}`)
      ),
    due: () => scheduler.schedule(),
  });
  const book: LeaseBook = new LeaseBook({
    store,
    records,
    links,
    timers,
    isLeader,
    schedule: () => scheduler.schedule(),
    log,
    retention: { ms: config.leaseRetentionMs, count: config.leaseRetentionCount },
  });
  const scheduler = new LeaseScheduler({ records, identities, book, timers, running, log });
  const liveness = new ExporterLiveness({
    store,
    coordination,
    records,
    links,
    book,
    scheduler,
    closed,
    log,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    reattachGraceMs: config.reattachGraceMs,
  });
  const leases = new LeaseApi({
    store,
    records,
    identities,
    book,
    scheduler,
    isLeader,
    maxLeaseMs: config.maxLeaseMs,
    clientKeepaliveMs: config.clientKeepaliveTimeoutMs,
  });
  const keepalives = new ClientKeepalives({ store, records, book, isLeader, closed, log });
  const replication = new Replication({
    store,
    coordination,
    records,
    identities,
    links,
    liveness,
    book,
    timers,
    scheduler,
    keepalives,
    closed,
    log,
  });
  return {
    records,
    identities,
    links,
    timers,
    book,
    scheduler,
    liveness,
    leases,
    replication,
    keepalives,
  };
}
