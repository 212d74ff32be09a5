/**
 * The controller's core: identities, exporters and leases cached in memory
 * over the KvStore, the lease scheduler (fair queue, expiry, exporter loss),
 * and the live links to exporters (Status and Listen streams). The gRPC
 * services in this folder are thin layers over it.
 *
 * Several replicas may share one store (etcd). Every state change is written
 * to the store and applied from it, so each replica's caches follow the
 * others' writes through the store's watch; only the elected leader runs the
 * scheduler, the expiry timers and the handling of lost exporters. A replica
 * holding an exporter's connection keeps an ephemeral `alive/` key that
 * vanishes if the replica dies, and delivers dial requests that other
 * replicas leave in `dials/`.
 *
 * @module
 */
import { FailedPreconditionError, messageOf } from "../driver/errors.ts";
import type { DriverReport } from "../driver/tree.ts";
import { Logger } from "../log.ts";
import { AuthError, type IdentityClaims, TokenAuthority } from "./auth.ts";
import { type Coordination, SoloCoordination } from "./coordination.ts";
import {
  type AccessPolicy,
  conditionTrue,
  type ExporterRecord,
  type ExporterStatusName,
  type Identity,
  keys,
  type LeaseRecord,
  plannedEnd,
  setCondition,
} from "./model.ts";
import { admitted, candidates, estimate, type QueueEstimate, queueOrder } from "./queue.ts";
import { formatSelector, matches, parseSelector, type Selector } from "./selector.ts";
import { type Change, ConflictError, type KvStore, type Write } from "./store/kv.ts";

/** What a client asks for when it creates a lease. */
export interface LeaseRequest {
  selector: Selector;
  exporterName?: string;
  durationMs: number;
  beginTime?: Date;
  requeueOnExporterLoss?: boolean;
  tags?: Record<string, string>;
  name?: string;
}

/** A message for an exporter's Status stream. */
export interface StatusUpdate {
  leased: boolean;
  leaseName?: string;
  clientName?: string;
}

/** A dial request for an exporter's Listen stream. */
export interface DialRequest {
  routerEndpoint: string;
  routerToken: string;
}

/** Tunables, mostly for tests. */
export interface ControllerOptions {
  /** How long ended leases are kept for history. */
  leaseRetentionMs?: number;
  /** Most ended leases kept. */
  leaseRetentionCount?: number;
  /** An exporter silent this long is offline (it heartbeats every few seconds). */
  heartbeatTimeoutMs?: number;
  /** After a controller restart, how long exporters have to re-attach before their leases are told. */
  reattachGraceMs?: number;
  /** Leadership and ephemeral keys when replicas share the store (default: one replica). */
  coordination?: Coordination;
  log?: Logger;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** The controller state machine. */
export class Controller {
  readonly identities = new Map<string, Identity>();
  readonly exporters = new Map<string, ExporterRecord>();
  readonly leases = new Map<string, LeaseRecord>();
  /** The leases that have not ended (what scheduling looks at; history stays out of the way). */
  readonly #open = new Map<string, LeaseRecord>();
  /** Highest queue number of the leases loaded at start (for stores from before the counter). */
  #seqFloor = 0;
  policies: AccessPolicy[] = [];
  readonly log: Logger;
  readonly coordination: Coordination;

  readonly #statusSinks = new Map<string, (update: StatusUpdate) => void>();
  /** What each local exporter was last told (lease name, or null for "not leased"). */
  readonly #told = new Map<string, string | null>();
  readonly #listenSinks = new Map<string, (dial: DialRequest) => void>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #heartbeat = new Map<string, number>();
  readonly #alive = new Set<string>();
  /** Store version of the lease and exporter records applied, so an older echo never wins. */
  readonly #versions = new Map<string, number>();
  readonly #leaseEndListeners = new Set<(lease: LeaseRecord, reason: string) => void>();
  readonly #leaseChangeListeners = new Set<(lease: LeaseRecord) => void>();
  #reconcileQueued = false;
  #stopWatch?: () => void;
  #stopLeadership?: () => void;
  #sweeper?: ReturnType<typeof setInterval>;
  #closed = false;
  readonly #startedAt = Date.now();

  private constructor(
    readonly store: KvStore,
    readonly authority: TokenAuthority,
    readonly options: Required<Omit<ControllerOptions, "log" | "coordination">>,
    coordination: Coordination,
    log: Logger,
  ) {
    this.log = log;
    this.coordination = coordination;
  }

  /** Opens the controller over a store: loads state, re-arms timers, starts sweeping. */
  static async open(store: KvStore, options: ControllerOptions = {}): Promise<Controller> {
    const authority = await TokenAuthority.open(store);
    const controller = new Controller(
      store,
      authority,
      {
        leaseRetentionMs: options.leaseRetentionMs ?? 7 * 24 * 3600_000,
        leaseRetentionCount: options.leaseRetentionCount ?? 10_000,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 180_000,
        reattachGraceMs: options.reattachGraceMs ?? 30_000,
      },
      options.coordination ?? new SoloCoordination(store),
      options.log ?? new Logger("controller"),
    );
    controller.#stopWatch = store.watch("", (change) => controller.#onStoreChange(change));
    await controller.#load();
    controller.#stopLeadership = controller.coordination.onLeaderChange((leader) =>
      controller.#leadershipChanged(leader)
    );
    controller.#sweeper = setInterval(() => controller.#sweep(), 1000);
    if (controller.isLeader) controller.#leadershipChanged(true);
    return controller;
  }

  /** True while this replica runs the scheduler. */
  get isLeader(): boolean {
    return this.coordination.isLeader;
  }

  async #load(): Promise<void> {
    await this.#reloadIdentities();
    const alive = new Set(
      (await this.store.list(keys.aliveAll)).map((e) => e.key.slice(keys.aliveAll.length)),
    );
    for (const entry of await this.store.list<ExporterRecord>(keys.exporters)) {
      this.#versions.set(entry.key, entry.version);
      const k = key(entry.value.namespace, entry.value.name);
      // Alone, nobody is connected right after a start; shared, another replica may hold it.
      const online = this.coordination.shared ? entry.value.online && alive.has(k) : false;
      this.exporters.set(k, { ...entry.value, online });
    }
    for (const entry of await this.store.list<LeaseRecord>(keys.leases)) {
      this.#versions.set(entry.key, entry.version);
      this.#seqFloor = Math.max(this.#seqFloor, entry.value.seq);
      if (!entry.value.ended) {
        this.#open.set(key(entry.value.namespace, entry.value.name), entry.value);
      }
      this.leases.set(key(entry.value.namespace, entry.value.name), entry.value);
    }
  }

  #leadershipChanged(leader: boolean): void {
    if (this.#closed) return;
    this.log.info(
      leader
        ? `replica ${this.coordination.replicaId} leads the scheduler`
        : `replica ${this.coordination.replicaId} no longer leads`,
    );
    if (!leader) {
      for (const timer of this.#timers.values()) clearTimeout(timer);
      this.#timers.clear();
      return;
    }
    for (const lease of this.#open.values()) this.#armTimer(lease);
    if (this.coordination.shared) void this.#adoptOrphans();
    this.#scheduleReconcile();
  }

  /** As a new leader: exporters whose replica died while nobody led are offline now. */
  async #adoptOrphans(): Promise<void> {
    const alive = new Set(
      (await this.store.list(keys.aliveAll)).map((e) => e.key.slice(keys.aliveAll.length)),
    );
    for (const [k, record] of this.exporters) {
      if (record.online && !alive.has(k)) {
        await this.#writeOffline(record, "its controller replica went away");
      }
    }
  }

  /** Applies every change from the store: this replica's own writes and other replicas'. */
  #onStoreChange(change: Change): void {
    if (change.kind === "external") {
      void this.#reloadIdentities();
      return;
    }
    const k = change.key;
    if (k.startsWith(keys.identities)) {
      const id = k.slice(keys.identities.length);
      if (change.kind === "put") this.identities.set(id, change.value as Identity);
      else this.identities.delete(id);
    } else if (k.startsWith(keys.policies)) {
      void this.#reloadIdentities();
    } else if (k.startsWith(keys.leases)) {
      if (change.kind === "delete") {
        this.leases.delete(k.slice(keys.leases.length));
        this.#open.delete(k.slice(keys.leases.length));
        this.#versions.delete(k);
      } else if (this.#newer(k, change.version)) this.#applyLease(change.value as LeaseRecord);
    } else if (k.startsWith(keys.exporters)) {
      if (change.kind === "delete") {
        this.exporters.delete(k.slice(keys.exporters.length));
        this.#versions.delete(k);
      } else if (this.#newer(k, change.version)) {
        this.#applyExporter(change.value as ExporterRecord);
      }
    } else if (k.startsWith(keys.aliveAll) && change.kind === "delete") {
      const record = this.exporters.get(k.slice(keys.aliveAll.length));
      // The replica holding it died (or it disconnected there): the leader records it.
      if (
        record?.online && this.isLeader && !this.#statusSinks.has(k.slice(keys.aliveAll.length))
      ) {
        void this.#writeOffline(record, "its controller replica went away");
      }
    } else if (k.startsWith(keys.dials) && change.kind === "put") {
      const [namespace, lease] = k.slice(keys.dials.length).split("/");
      const sink = this.#listenSinks.get(key(namespace, lease));
      if (sink) {
        sink(change.value as DialRequest);
        void this.store.commit([{ delete: k }]).catch(() => {});
      }
    }
  }

  /** Records `version` for `storeKey` if it is newer than what was applied. */
  #newer(storeKey: string, version: number): boolean {
    if (version <= (this.#versions.get(storeKey) ?? 0)) return false;
    this.#versions.set(storeKey, version);
    return true;
  }

  async #reloadIdentities(): Promise<void> {
    const identities = await this.store.list<Identity>(keys.identities);
    this.identities.clear();
    for (const { value } of identities) {
      this.identities.set(`${value.kind}/${value.namespace}/${value.name}`, value);
    }
    this.policies = (await this.store.list<AccessPolicy>(keys.policies)).map((e) => e.value);
  }

  // ---- identities and authentication

  /** The identity behind a bearer token and the caller's metadata headers, or AuthError. */
  async authenticate(
    token: string | undefined,
    headers: { kind?: string | null; namespace?: string | null; name?: string | null },
  ): Promise<Identity> {
    if (!token) throw new AuthError("Missing authorization: Bearer token");
    const claims: IdentityClaims = await this.authority.verify(token);
    if (headers.kind && headers.kind !== claims.kind) {
      throw new AuthError("jumpstarter-kind does not match the token");
    }
    if (headers.namespace && headers.namespace !== claims.namespace) {
      throw new AuthError("jumpstarter-namespace does not match the token");
    }
    if (headers.name && headers.name !== claims.name) {
      throw new AuthError("jumpstarter-name does not match the token");
    }
    // Always against the current store state: deletion and rotation revoke at once.
    (this.store as { pollExternal?: () => boolean }).pollExternal?.() &&
      await this.#reloadIdentities();
    const identity = this.identities.get(`${claims.kind}/${claims.namespace}/${claims.name}`);
    if (!identity || identity.uid !== claims.uid) {
      throw new AuthError("Token revoked: the identity was deleted");
    }
    if (identity.generation !== claims.generation) {
      throw new AuthError("Token revoked: it was rotated");
    }
    return identity;
  }

  // ---- exporters

  /** Records a registration; returns the exporter's record. */
  async register(
    identity: Identity,
    labels: Record<string, string>,
    reports: DriverReport[],
  ): Promise<ExporterRecord> {
    const k = key(identity.namespace, identity.name);
    const previous = this.exporters.get(k);
    const record: ExporterRecord = {
      namespace: identity.namespace,
      name: identity.name,
      labels: { ...labels, ...identity.labels },
      reports,
      status: previous && previous.status !== "OFFLINE" ? previous.status : "AVAILABLE",
      statusMessage: "",
      online: true,
      lastSeen: new Date().toISOString(),
      replica: this.coordination.replicaId,
    };
    this.#heartbeat.set(k, Date.now());
    await this.#claimAlive(record);
    await this.#saveExporter(record);
    return record;
  }

  /** Marks an exporter seen now (a heartbeat). */
  heartbeat(identity: Identity): void {
    this.#heartbeat.set(key(identity.namespace, identity.name), Date.now());
  }

  /** Records a status the exporter reported. */
  async reportStatus(
    identity: Identity,
    status: ExporterStatusName,
    message: string,
    releaseLease: boolean,
  ): Promise<void> {
    const k = key(identity.namespace, identity.name);
    const record = this.exporters.get(k);
    if (!record) {
      throw new FailedPreconditionError(
        `Exporter "${identity.name}" reported status before registering`,
      );
    }
    this.heartbeat(identity);
    if (record.status !== status || record.statusMessage !== message || !record.online) {
      await this.#saveExporter({
        ...record,
        status,
        statusMessage: message,
        online: true,
        replica: this.coordination.replicaId,
      });
    }
    if (releaseLease) {
      const lease = this.activeLeaseOf(record);
      if (lease) {
        await this.#endLease(lease, "Released", `The exporter ended the lease: ${message}`);
      }
    }
  }

  /** Called when an exporter's Status stream opens; returns a function to call when it closes. */
  attachStatus(identity: Identity, sink: (update: StatusUpdate) => void): () => void {
    const k = key(identity.namespace, identity.name);
    this.#statusSinks.set(k, sink);
    this.#told.delete(k);
    this.heartbeat(identity);
    const record = this.exporters.get(k);
    if (record) {
      void this.#claimAlive(record).catch((error) =>
        this.log.warning(`cannot record ${k} alive: ${messageOf(error)}`)
      );
      if (!record.online || record.replica !== this.coordination.replicaId) {
        void this.#saveExporter({ ...record, online: true, replica: this.coordination.replicaId })
          .catch(() => {});
      }
    }
    this.#tell(k);
    return () => {
      if (this.#statusSinks.get(k) !== sink) return;
      this.#statusSinks.delete(k);
      this.#told.delete(k);
      if (!this.#closed) {
        void this.markOffline(identity.namespace, identity.name, "its connection closed");
      }
    };
  }

  /** Called when an exporter's Listen stream for a lease opens; returns a detach function. */
  attachListen(
    identity: Identity,
    leaseName: string,
    sink: (dial: DialRequest) => void,
  ): () => void {
    const lease = this.leases.get(key(identity.namespace, leaseName));
    if (!lease || lease.exporter !== identity.name || lease.ended) {
      throw new FailedPreconditionError(
        `Lease "${leaseName}" is not assigned to exporter "${identity.name}"`,
      );
    }
    const k = key(identity.namespace, leaseName);
    this.#listenSinks.set(k, sink);
    // Dials made before it listened (on any replica) wait in the store.
    void this.store.list<DialRequest>(`${keys.dials}${identity.namespace}/${leaseName}/`).then(
      async (waiting) => {
        for (const entry of waiting) {
          if (this.#listenSinks.get(k) !== sink) return;
          sink(entry.value);
          await this.store.commit([{ delete: entry.key }]).catch(() => {});
        }
      },
    );
    return () => {
      if (this.#listenSinks.get(k) === sink) this.#listenSinks.delete(k);
    };
  }

  /** Marks an exporter this replica held offline; the leader then tells its lease. */
  async markOffline(namespace: string, name: string, why: string): Promise<void> {
    const k = key(namespace, name);
    const record = this.exporters.get(k);
    if (this.#alive.has(k)) {
      this.#alive.delete(k);
      await this.store.commit([{ delete: keys.alive(namespace, name) }]).catch(() => {});
    }
    if (!record || !record.online) return;
    if (record.replica && record.replica !== this.coordination.replicaId) return;
    await this.#writeOffline(record, why);
  }

  async #writeOffline(record: ExporterRecord, why: string): Promise<void> {
    this.log.info(`exporter ${record.namespace}/${record.name} offline: ${why}`);
    await this.#saveExporter({ ...record, online: false, status: "OFFLINE", statusMessage: why })
      .catch((error) =>
        this.log.warning(`cannot record ${record.name} offline: ${messageOf(error)}`)
      );
  }

  async #claimAlive(record: ExporterRecord): Promise<void> {
    if (!this.coordination.shared) return;
    const k = key(record.namespace, record.name);
    await this.coordination.commitEphemeral([{
      put: keys.alive(record.namespace, record.name),
      value: { replica: this.coordination.replicaId, since: new Date().toISOString() },
    }]);
    this.#alive.add(k);
  }

  async #saveExporter(record: ExporterRecord): Promise<void> {
    const storeKey = keys.exporter(record.namespace, record.name);
    const revision = await this.store.commit([{ put: storeKey, value: record }]);
    if (this.#newer(storeKey, revision)) this.#applyExporter(record);
  }

  /** Applies an exporter record (own write or another replica's). */
  #applyExporter(record: ExporterRecord): void {
    const k = key(record.namespace, record.name);
    const before = this.exporters.get(k);
    this.exporters.set(k, record);
    if (before && before.online === record.online) {
      if (record.online) this.#scheduleReconcile();
      return;
    }
    if (!this.isLeader) return;
    const lease = this.activeLeaseOf(record);
    if (!record.online && lease && !conditionTrue(lease, "ExporterOffline")) {
      void this.#exporterLost(lease, record, record.statusMessage || "it went offline");
    } else if (record.online && lease && conditionTrue(lease, "ExporterOffline")) {
      const back = structuredClone(lease);
      setCondition(
        back,
        "ExporterOffline",
        "False",
        "ExporterOnline",
        `Exporter "${record.name}" is back`,
      );
      void this.#saveLease(back);
    }
    this.#scheduleReconcile();
  }

  async #exporterLost(current: LeaseRecord, record: ExporterRecord, why: string): Promise<void> {
    // Records in the cache are never changed in place: what changed is found by comparing.
    const lease = structuredClone(current);
    setCondition(
      lease,
      "ExporterOffline",
      "True",
      "ExporterOffline",
      `Exporter "${record.name}" went offline: ${why}`,
    );
    const writes: Write[] = [];
    if (lease.requeueOnExporterLoss) {
      writes.push({ delete: keys.assignment(lease.namespace, record.name) });
      lease.exporter = undefined;
      lease.effectiveBeginTime = undefined;
      setCondition(
        lease,
        "Ready",
        "False",
        "ExporterOffline",
        "Re-queued for another matching exporter",
      );
      setCondition(lease, "Pending", "True", "Requeued", `Exporter "${record.name}" went offline`);
    }
    await this.#saveLease(lease, writes);
  }

  /** The active (assigned, not ended) lease of an exporter, if any. */
  activeLeaseOf(record: ExporterRecord): LeaseRecord | undefined {
    for (const lease of this.#open.values()) {
      if (!lease.ended && lease.exporter === record.name && lease.namespace === record.namespace) {
        return lease;
      }
    }
    return undefined;
  }

  // ---- leases

  /** The next queue number, unique across replicas. */
  async #nextSeq(): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const entry = await this.store.get<number>(keys.leaseSeq);
      const next = Math.max(entry?.value ?? 0, this.#seqFloor) + 1;
      try {
        await this.store.commit([{ put: keys.leaseSeq, value: next }], [{
          key: keys.leaseSeq,
          version: entry?.version ?? 0,
        }]);
        return next;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new ConflictError("Too many concurrent lease creations; retry");
  }

  /** Creates a lease and queues it; returns the record (Ready at once when this replica leads and a board is free). */
  async createLease(client: Identity, request: LeaseRequest): Promise<LeaseRecord> {
    if (!(request.durationMs > 0)) {
      throw new TypeError(
        `Invalid lease duration ${request.durationMs / 1000} s: it must be positive`,
      );
    }
    const policies = this.policies.filter((p) =>
      matches(parseSelector(p.clientSelector), client.labels)
    );
    if (this.policies.length > 0 && policies.length === 0) {
      throw new AuthError(`Client "${client.name}" is not admitted by any access policy`);
    }
    const name = request.name ?? crypto.randomUUID();
    if (this.leases.has(key(client.namespace, name))) {
      throw new TypeError(`Lease "${name}" already exists`);
    }
    const lease: LeaseRecord = {
      namespace: client.namespace,
      name,
      seq: await this.#nextSeq(),
      client: client.name,
      selector: request.selector,
      exporterName: request.exporterName,
      durationMs: request.durationMs,
      beginTime: request.beginTime?.toISOString(),
      priority: Math.max(0, ...policies.map((p) => p.priority)),
      requeueOnExporterLoss: request.requeueOnExporterLoss ?? false,
      labels: { ...request.selector.matchLabels },
      tags: request.tags ?? {},
      createdAt: new Date().toISOString(),
      released: false,
      ended: false,
      conditions: [],
    };
    setCondition(lease, "Pending", "True", "Created", "Waiting for a matching exporter");
    if (
      request.exporterName !== undefined &&
      !this.exporters.has(key(client.namespace, request.exporterName))
    ) {
      lease.ended = true;
      lease.endTime = new Date().toISOString();
      setCondition(lease, "Pending", "False", "ExporterNotFound");
      setCondition(
        lease,
        "Unsatisfiable",
        "True",
        "ExporterNotFound",
        `The lease cannot be satisfied: no exporter named "${request.exporterName}"`,
      );
    }
    await this.#saveLease(lease, [], [{
      key: keys.lease(lease.namespace, lease.name),
      version: 0,
    }]);
    if (!lease.ended && this.isLeader) await this.#reconcileNow();
    return this.leases.get(key(lease.namespace, lease.name)) ?? lease;
  }

  /** A lease by name, checked to belong to `client` when given. */
  getLease(namespace: string, name: string, client?: Identity): LeaseRecord {
    const lease = this.leases.get(key(namespace, name));
    if (!lease || (client && lease.client !== client.name)) {
      throw new NotFoundError(
        `No lease named "${name}"${client ? ` held by client "${client.name}"` : ""}`,
      );
    }
    return lease;
  }

  /** Releases a lease (idempotent for ended leases). */
  async releaseLease(namespace: string, name: string, client?: Identity): Promise<LeaseRecord> {
    const lease = this.getLease(namespace, name, client);
    if (!lease.ended) await this.#endLease(lease, "Released", "Released by the client");
    return lease;
  }

  /** Changes a lease's duration (extend) or begin time; checks access policies. */
  async updateLease(
    namespace: string,
    name: string,
    client: Identity,
    change: { durationMs?: number; beginTime?: Date },
  ): Promise<LeaseRecord> {
    const lease = structuredClone(this.getLease(namespace, name, client));
    if (lease.ended) {
      throw new FailedPreconditionError(`Lease "${name}" has ended; create a new one`);
    }
    if (change.durationMs !== undefined) {
      if (!(change.durationMs > 0)) {
        throw new TypeError(`Invalid lease duration: it must be positive`);
      }
      const record = lease.exporter
        ? this.exporters.get(key(namespace, lease.exporter))
        : undefined;
      const trial = { ...lease, durationMs: change.durationMs };
      if (record && !admitted(trial, record, this.policies, client)) {
        throw new FailedPreconditionError(
          `Lease "${name}" cannot be extended to ${
            change.durationMs / 1000
          } s: the access policy's maximum duration is lower`,
        );
      }
      if (plannedEnd(trial) !== undefined && plannedEnd(trial)! <= Date.now()) {
        throw new TypeError(`The new duration would end lease "${name}" in the past`);
      }
      lease.durationMs = change.durationMs;
    }
    if (change.beginTime !== undefined) {
      if (lease.exporter) throw new FailedPreconditionError(`Lease "${name}" already began`);
      lease.beginTime = change.beginTime.toISOString();
    }
    await this.#saveLease(lease);
    return lease;
  }

  /** Leases, oldest first; `activeOnly` hides ended ones. */
  listLeases(
    namespace: string,
    options: { activeOnly?: boolean; client?: string } = {},
  ): LeaseRecord[] {
    return [...this.leases.values()]
      .filter((l) => l.namespace === namespace)
      .filter((l) => !options.activeOnly || !l.ended)
      .filter((l) => !options.client || l.client === options.client)
      .sort((a, b) => a.seq - b.seq);
  }

  /** Queue position and estimated start of a pending lease. */
  estimateStart(lease: LeaseRecord): QueueEstimate | undefined {
    if (lease.ended || lease.exporter) return undefined;
    const pending = [...this.#open.values()].filter((l) => !l.ended && !l.exporter);
    const active = [...this.#open.values()].filter((l) => !l.ended && l.exporter);
    const names = (l: LeaseRecord) =>
      new Set(
        candidates(l, this.exporters.values(), this.policies, this.#clientOf(l)).map((e) => e.name),
      );
    const online = new Set([...this.exporters.values()].filter((e) => e.online).map((e) => e.name));
    return estimate(lease, pending, active, names(lease), online, Date.now(), names);
  }

  /** Subscribes to lease endings (release, expiry, exporter loss): the router cuts streams. */
  onLeaseEnd(listener: (lease: LeaseRecord, reason: string) => void): () => void {
    this.#leaseEndListeners.add(listener);
    return () => this.#leaseEndListeners.delete(listener);
  }

  /** Subscribes to every lease change. */
  onLeaseChange(listener: (lease: LeaseRecord) => void): () => void {
    this.#leaseChangeListeners.add(listener);
    return () => this.#leaseChangeListeners.delete(listener);
  }

  /** True when streams may run for this lease now. */
  leaseActive(namespace: string, name: string): boolean {
    const lease = this.leases.get(key(namespace, name));
    return !!lease && !lease.ended && !!lease.exporter && !conditionTrue(lease, "ExporterOffline");
  }

  /** Hands a dial request to the exporter of a lease: directly when it listens here, else through the store. */
  async dial(lease: LeaseRecord, request: DialRequest): Promise<void> {
    const sink = this.#listenSinks.get(key(lease.namespace, lease.name));
    if (sink) return sink(request);
    await this.coordination.commitEphemeral([{
      put: keys.dial(lease.namespace, lease.name, crypto.randomUUID()),
      value: request,
    }]);
  }

  #clientOf(lease: LeaseRecord): Identity | undefined {
    return this.identities.get(`Client/${lease.namespace}/${lease.client}`);
  }

  async #saveLease(
    lease: LeaseRecord,
    extra: Write[] = [],
    guards: { key: string; version: number }[] = [],
  ): Promise<void> {
    const storeKey = keys.lease(lease.namespace, lease.name);
    const revision = await this.store.commit([{ put: storeKey, value: lease }, ...extra], guards);
    // The store's watch may have applied this write (or a newer one) already.
    if (this.#newer(storeKey, revision)) this.#applyLease(lease);
  }

  /** Applies a lease record (own write or another replica's) and acts on what changed. */
  #applyLease(incoming: LeaseRecord): void {
    const k = key(incoming.namespace, incoming.name);
    const before = this.leases.get(k);
    // A late echo of an older write must not revive an ended lease.
    if (before?.ended && !incoming.ended) return;
    const wasOffline = before ? !!conditionTrue(before, "ExporterOffline") : false;
    const beforeExporter = before && !before.ended ? before.exporter : undefined;
    this.leases.set(k, incoming);
    if (incoming.ended) this.#open.delete(k);
    else this.#open.set(k, incoming);
    if (incoming.ended) {
      this.#announceEnd(incoming);
    } else if (!wasOffline && conditionTrue(incoming, "ExporterOffline")) {
      // The exporter went away: cut the client's streams now.
      const gone = beforeExporter ?? incoming.exporter;
      for (const listener of this.#leaseEndListeners) {
        listener(incoming, `exporter "${gone}" went offline`);
      }
    }
    // Tell the exporters this replica holds what they now serve.
    if (beforeExporter) this.#tell(key(incoming.namespace, beforeExporter));
    if (incoming.exporter) this.#tell(key(incoming.namespace, incoming.exporter));
    if (this.isLeader) {
      this.#armTimer(incoming);
      this.#scheduleReconcile();
    }
    for (const listener of this.#leaseChangeListeners) listener(incoming);
  }

  #announced = new Set<string>();

  #announceEnd(lease: LeaseRecord): void {
    const k = key(lease.namespace, lease.name);
    if (this.#announced.has(k)) return;
    this.#announced.add(k);
    const reason = lease.conditions.find((c) => c.type === "Ready")?.reason === "Expired"
      ? "the lease expired"
      : "the lease was released";
    for (const listener of this.#leaseEndListeners) listener(lease, reason);
    this.#clearTimer(lease);
  }

  /** Pushes to a local exporter's Status stream what it serves now, if that changed. */
  #tell(exporterKey: string): void {
    const sink = this.#statusSinks.get(exporterKey);
    if (!sink) return;
    const [namespace, name] = exporterKey.split("/");
    const record = this.exporters.get(exporterKey) ?? ({ namespace, name } as ExporterRecord);
    const lease = this.activeLeaseOf(record);
    const now = lease ? lease.name : null;
    if (this.#told.has(exporterKey) && this.#told.get(exporterKey) === now) return;
    this.#told.set(exporterKey, now);
    sink(
      lease ? { leased: true, leaseName: lease.name, clientName: lease.client } : { leased: false },
    );
  }

  async #endLease(
    lease: LeaseRecord,
    reason: "Released" | "Expired",
    message: string,
  ): Promise<void> {
    if (lease.ended) return;
    const ended: LeaseRecord = structuredClone(lease);
    ended.ended = true;
    ended.released = reason === "Released";
    ended.endTime = new Date().toISOString();
    setCondition(ended, "Ready", "False", reason, message);
    setCondition(ended, "Pending", "False", reason, message);
    const writes: Write[] = [];
    if (ended.exporter) writes.push({ delete: keys.assignment(ended.namespace, ended.exporter) });
    await this.#saveLease(ended, writes);
    this.log.info(`lease ${lease.name} ended: ${reason}`);
  }

  #armTimer(lease: LeaseRecord): void {
    this.#clearTimer(lease);
    if (lease.ended || !this.isLeader || this.#closed) return;
    const k = key(lease.namespace, lease.name);
    const end = plannedEnd(lease);
    const at = end ?? (lease.beginTime ? Date.parse(lease.beginTime) : undefined);
    if (at === undefined) return;
    const wait = Math.max(0, Math.min(at - Date.now(), 2 ** 31 - 1));
    this.#timers.set(
      k,
      setTimeout(() => {
        this.#timers.delete(k);
        const current = this.leases.get(k);
        if (!current || current.ended) return;
        const currentEnd = plannedEnd(current);
        if (currentEnd !== undefined && Date.now() >= currentEnd) {
          void this.#endLease(current, "Expired", "The lease's duration is over").catch((error) =>
            this.log.warning(`cannot expire lease ${current.name}: ${messageOf(error)}`)
          );
        } else if (currentEnd !== undefined) this.#armTimer(current);
        else this.#scheduleReconcile();
      }, wait),
    );
  }

  #clearTimer(lease: LeaseRecord): void {
    const k = key(lease.namespace, lease.name);
    const timer = this.#timers.get(k);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(k);
  }

  #scheduleReconcile(): void {
    if (this.#reconcileQueued || this.#closed || !this.isLeader) return;
    this.#reconcileQueued = true;
    queueMicrotask(() => {
      this.#reconcileQueued = false;
      void this.#reconcileNow().catch((error) =>
        this.log.warning(`scheduling failed: ${messageOf(error)}`)
      );
    });
  }

  #reconciling?: Promise<void>;

  /** Assigns free exporters to pending leases in queue order (the leader only, one pass at a time). */
  async #reconcileNow(): Promise<void> {
    if (this.#closed || !this.isLeader) return;
    while (this.#reconciling) await this.#reconciling;
    this.#reconciling = this.#reconcilePass().finally(() => this.#reconciling = undefined);
    await this.#reconciling;
  }

  async #reconcilePass(): Promise<void> {
    const now = Date.now();
    const pending = [...this.#open.values()].filter((l) => !l.ended && !l.exporter).sort(
      queueOrder,
    );
    if (pending.length === 0) return;
    const busy = new Set<string>();
    for (const lease of this.#open.values()) {
      if (!lease.ended && lease.exporter) busy.add(key(lease.namespace, lease.exporter));
    }
    for (const lease of pending) {
      if (lease.beginTime && Date.parse(lease.beginTime) > now) {
        this.#armTimer(lease);
        continue;
      }
      const all = candidates(lease, this.exporters.values(), this.policies, this.#clientOf(lease));
      const free = all.filter((e) =>
        e.online && !busy.has(key(e.namespace, e.name)) && !e.status.endsWith("_FAILED")
      );
      if (free.length === 0) {
        const online = all.some((e) => e.online);
        const reason = all.length === 0 ? "NoExporter" : online ? "NotAvailable" : "Offline";
        const message = all.length === 0
          ? `No exporter matches "${formatSelector(lease.selector)}"${
            lease.exporterName ? ` named "${lease.exporterName}"` : ""
          }`
          : online
          ? "Every matching exporter is leased"
          : "Every matching exporter is offline";
        const updated = structuredClone(lease);
        if (all.length === 0) setCondition(updated, "Unsatisfiable", "True", reason, message);
        else setCondition(updated, "Unsatisfiable", "False", "Satisfiable", "");
        setCondition(updated, "Pending", "True", reason, message);
        if (JSON.stringify(updated.conditions) !== JSON.stringify(lease.conditions)) {
          await this.#saveLease(updated).catch(() => {});
        }
        continue;
      }
      free.sort((a, b) => a.name.localeCompare(b.name));
      for (const chosen of free) {
        busy.add(key(chosen.namespace, chosen.name));
        if (await this.#assign(lease, chosen)) break;
      }
    }
  }

  /** Gives `exporter` to `lease`; false if another replica took it first. */
  async #assign(lease: LeaseRecord, exporter: ExporterRecord): Promise<boolean> {
    const assigned: LeaseRecord = structuredClone(lease);
    assigned.exporter = exporter.name;
    assigned.effectiveBeginTime = new Date().toISOString();
    setCondition(assigned, "Pending", "False", "Ready", "");
    setCondition(assigned, "Unsatisfiable", "False", "Satisfiable", "");
    setCondition(assigned, "Ready", "True", "Ready", `Leased exporter "${exporter.name}"`);
    if (conditionTrue(assigned, "ExporterOffline")) {
      setCondition(assigned, "ExporterOffline", "False", "ExporterOnline", "");
    }
    const slot = keys.assignment(exporter.namespace, exporter.name);
    try {
      await this.#saveLease(assigned, [{ put: slot, value: lease.name }], [{
        key: slot,
        version: 0,
      }]);
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
    this.log.info(`lease ${lease.name} (${lease.client}) -> exporter ${exporter.name}`);
    return true;
  }

  /** Periodic: heartbeat timeouts, re-attach grace, lease retention. */
  #sweep(): void {
    const now = Date.now();
    for (const [k, record] of this.exporters) {
      const seen = this.#heartbeat.get(k);
      if (
        record.online && this.#statusSinks.has(k) && seen !== undefined &&
        now - seen > this.options.heartbeatTimeoutMs
      ) {
        void this.markOffline(record.namespace, record.name, "no heartbeat");
      }
      if (
        !this.coordination.shared && this.isLeader && !record.online &&
        now - this.#startedAt > this.options.reattachGraceMs
      ) {
        const lease = this.activeLeaseOf(record);
        if (lease && !conditionTrue(lease, "ExporterOffline") && !this.#heartbeat.has(k)) {
          this.#heartbeat.set(k, 0);
          void this.#exporterLost(
            lease,
            record,
            "it did not re-attach after the controller restarted",
          );
        }
      }
    }
    if (this.isLeader && now % 60_000 < 1000) void this.#prune();
  }

  async #prune(): Promise<void> {
    const ended = [...this.leases.values()].filter((l) => l.ended).sort((a, b) => a.seq - b.seq);
    const cutoff = Date.now() - this.options.leaseRetentionMs;
    const excess = ended.length - this.options.leaseRetentionCount;
    const drop = ended.filter((l, i) =>
      i < excess || Date.parse(l.endTime ?? l.createdAt) < cutoff
    );
    if (drop.length === 0) return;
    for (const lease of drop) {
      this.leases.delete(key(lease.namespace, lease.name));
      this.#announced.delete(key(lease.namespace, lease.name));
    }
    await this.store.commit(drop.map((l) => ({ delete: keys.lease(l.namespace, l.name) })));
  }

  /** Runs retention now (tests and admin). */
  prune(): Promise<void> {
    return this.#prune();
  }

  /** Stops timers and watches, gives up leadership; the store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatch?.();
    this.#stopLeadership?.();
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#statusSinks.clear();
    this.#listenSinks.clear();
    await this.coordination.close();
  }
}

/** No such lease, exporter or identity (or not the caller's). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}
