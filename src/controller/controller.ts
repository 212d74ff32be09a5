/**
 * The controller's core, behind one facade: identities, exporters and leases
 * cached in memory over the KvStore, the lease scheduler (fair queue, expiry,
 * exporter loss), and the live links to exporters (Status and Listen
 * streams). The gRPC services in this folder are thin layers over it.
 *
 * Several replicas may share one store (etcd). Every state change is written
 * to the store and applied from it, so each replica's caches follow the
 * others' writes through the store's watch; only the elected leader runs the
 * scheduler, the expiry timers and the handling of lost exporters. A replica
 * holding an exporter's connection keeps an ephemeral `alive/` key that
 * vanishes if the replica dies, and delivers dial requests that other
 * replicas leave in `dials/`.
 *
 * The work is done by parts in files of their own, connected in
 * `controller_parts.ts`; this class opens and closes them and forwards to
 * them.
 *
 * @module
 */
import type { DriverReport } from "../driver/driver_report.ts";
import { Logger } from "../log.ts";
import { OidcVerifier } from "./oidc_verifier.ts";
import { TokenAuthority } from "./auth.ts";
import { type Coordination, SoloCoordination } from "./coordination.ts";
import {
  type ControllerOptions,
  type ControllerTunables,
  controllerTunables,
} from "./controller_options.ts";
import { connectParts, type ControllerParts } from "./controller_parts.ts";
import type { DialRequest, StatusUpdate } from "./exporter_links.ts";
import type { LeaseRequest } from "./lease_request.ts";
import type {
  AccessPolicy,
  ExporterRecord,
  ExporterStatusName,
  Identity,
  LeaseRecord,
} from "./model.ts";
import type { QueueEstimate } from "./queue.ts";
import type { PeerSession } from "./session_pings.ts";
import type { KvStore } from "./store/kv.ts";

/** The controller state machine. */
export class Controller {
  readonly log: Logger;
  readonly coordination: Coordination;
  readonly #parts: ControllerParts;
  #stopWatch?: () => void;
  #stopLeadership?: () => void;
  #sweeper?: ReturnType<typeof setInterval>;
  #closed = false;

  private constructor(
    readonly store: KvStore,
    readonly authority: TokenAuthority,
    readonly options: ControllerTunables,
    coordination: Coordination,
    log: Logger,
  ) {
    this.log = log;
    this.coordination = coordination;
    this.#parts = connectParts({
      store,
      authority,
      coordination,
      log,
      closed: () => this.#closed,
      ...options,
    });
  }

  /** Opens the controller over a store: loads state, re-arms timers, starts sweeping. */
  static async open(store: KvStore, options: ControllerOptions = {}): Promise<Controller> {
    const authority = await TokenAuthority.open(store);
    const controller = new Controller(
      store,
      authority,
      controllerTunables(options),
      options.coordination ?? new SoloCoordination(store),
      options.log ?? new Logger("controller"),
    );
    if (options.oidc?.length) controller.#parts.identities.oidc = new OidcVerifier(options.oidc);
    const { replication } = controller.#parts;
    controller.#stopWatch = store.watch("", (change) => replication.apply(change));
    await replication.load();
    controller.#stopLeadership = controller.coordination.onLeaderChange((leader) =>
      replication.leadershipChanged(leader)
    );
    controller.#sweeper = setInterval(() => controller.#sweep(), 1000);
    if (controller.isLeader) replication.leadershipChanged(true);
    return controller;
  }

  /** True while this replica runs the scheduler. */
  get isLeader(): boolean {
    return this.coordination.isLeader;
  }

  /** Identities by `kind/namespace/name`. */
  get identities(): Map<string, Identity> {
    return this.#parts.identities.byKey;
  }

  /** Exporters by `namespace/name`. */
  get exporters(): Map<string, ExporterRecord> {
    return this.#parts.records.exporters;
  }

  /** Leases (history included) by `namespace/name`. */
  get leases(): Map<string, LeaseRecord> {
    return this.#parts.records.leases;
  }

  /** True when an admin disabled the exporter (the scheduler skips it). */
  exporterDisabled(exporter: { namespace: string; name: string }): boolean {
    return this.#parts.identities.exporterDisabled(exporter);
  }

  get policies(): AccessPolicy[] {
    return this.#parts.identities.policies;
  }

  set policies(policies: AccessPolicy[]) {
    this.#parts.identities.policies = policies;
  }

  /** The identity behind a bearer token and the caller's metadata headers, or AuthError. */
  authenticate(
    token: string | undefined,
    headers: { kind?: string | null; namespace?: string | null; name?: string | null },
  ): Promise<Identity> {
    return this.#parts.identities.authenticate(token, headers);
  }

  /** Records a registration; returns the exporter's record. */
  register(
    identity: Identity,
    labels: Record<string, string>,
    reports: DriverReport[],
  ): Promise<ExporterRecord> {
    return this.#parts.liveness.register(identity, labels, reports);
  }

  /** Marks an exporter seen now (a heartbeat). */
  heartbeat(identity: Identity): void {
    this.#parts.liveness.heartbeat(identity);
  }

  /** Records a status the exporter reported. */
  reportStatus(
    identity: Identity,
    status: ExporterStatusName,
    message: string,
    releaseLease: boolean,
  ): Promise<void> {
    return this.#parts.liveness.reportStatus(identity, status, message, releaseLease);
  }

  /**
   * Called when an exporter's Status stream opens, with the HTTP/2 session it
   * rides on (PINGed when silent); returns a function to call when it closes.
   */
  attachStatus(
    identity: Identity,
    sink: (update: StatusUpdate) => void,
    session?: PeerSession,
  ): () => void {
    return this.#parts.liveness.attachStatus(identity, sink, session);
  }

  /** Called when an exporter's Listen stream for a lease opens; returns a detach function. */
  attachListen(
    identity: Identity,
    leaseName: string,
    sink: (dial: DialRequest) => void,
  ): () => void {
    return this.#parts.links.attachListen(identity, leaseName, sink);
  }

  /** Marks an exporter this replica held offline; the leader then tells its lease. */
  markOffline(namespace: string, name: string, why: string): Promise<void> {
    return this.#parts.liveness.markOffline(namespace, name, why);
  }

  /** The active (assigned, not ended) lease of an exporter, if any. */
  activeLeaseOf(record: ExporterRecord): LeaseRecord | undefined {
    return this.#parts.records.activeLeaseOf(record);
  }

  /** Creates a lease and queues it; returns the record (Ready at once when this replica leads and a board is free). */
  createLease(client: Identity, request: LeaseRequest): Promise<LeaseRecord> {
    return this.#parts.leases.create(client, request);
  }

  /** A lease by name, checked to belong to `client` when given. */
  getLease(namespace: string, name: string, client?: Identity): LeaseRecord {
    return this.#parts.leases.get(namespace, name, client);
  }

  /** The client of a keepalive lease called: it is alive (see `client_keepalive.ts`). */
  clientAlive(lease: LeaseRecord): void {
    this.#parts.keepalives.touch(lease);
  }

  /** Releases a lease (idempotent for ended leases). */
  releaseLease(namespace: string, name: string, client?: Identity): Promise<LeaseRecord> {
    return this.#parts.leases.release(namespace, name, client);
  }

  /** Changes a lease's duration (extend) or begin time, or gives it to another client. */
  updateLease(
    namespace: string,
    name: string,
    client: Identity,
    change: { durationMs?: number; beginTime?: Date; toClient?: string },
  ): Promise<LeaseRecord> {
    return this.#parts.leases.update(namespace, name, client, change);
  }

  /** Leases, oldest first; `activeOnly` hides ended ones. */
  listLeases(
    namespace: string,
    options: { activeOnly?: boolean; client?: string } = {},
  ): LeaseRecord[] {
    return this.#parts.leases.list(namespace, options);
  }

  /** Queue position and estimated start of a pending lease. */
  estimateStart(lease: LeaseRecord): QueueEstimate | undefined {
    return this.#parts.leases.estimateStart(lease);
  }

  /** Subscribes to lease endings (release, expiry, exporter loss): the router cuts streams. */
  /** Calls `listener(kind, namespace, name)` when an identity is deleted: its streams must end. */
  onIdentityGone(listener: (kind: string, namespace: string, name: string) => void): () => void {
    return this.#parts.replication.onIdentityGone(listener);
  }

  onLeaseEnd(listener: (lease: LeaseRecord, reason: string) => void): () => void {
    return this.#parts.book.onLeaseEnd(listener);
  }

  /** Subscribes to every lease change. */
  onLeaseChange(listener: (lease: LeaseRecord) => void): () => void {
    return this.#parts.book.onLeaseChange(listener);
  }

  /** True when streams may run for this lease now. */
  leaseActive(namespace: string, name: string): boolean {
    return this.#parts.leases.active(namespace, name);
  }

  /** Hands a dial request to the exporter of a lease: directly when it listens here, else through the store. */
  dial(lease: LeaseRecord, request: DialRequest): Promise<void> {
    return this.#parts.links.dial(lease, request);
  }

  /** Periodic: heartbeat timeouts, re-attach grace, lease retention. */
  #sweep(): void {
    const now = Date.now();
    this.#parts.liveness.sweep(now);
    this.#parts.keepalives.sweep(now);
    if (this.isLeader && now % 60_000 < 1000) void this.#parts.book.prune();
  }

  /** Runs retention now (tests and admin). */
  prune(): Promise<void> {
    return this.#parts.book.prune();
  }

  /** Stops timers and watches, gives up leadership; the store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatch?.();
    this.#stopLeadership?.();
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#parts.timers.clearAll();
    this.#parts.links.clear();
    await this.coordination.close();
  }
}
