/**
 * The controller's core: identities, exporters and leases cached in memory
 * over the KvStore, the lease scheduler (fair queue, expiry, exporter loss),
 * and the live links to exporters (Status and Listen streams). The gRPC
 * services in this folder are thin layers over it.
 *
 * @module
 */
import { FailedPreconditionError } from "../driver/errors.ts";
import type { DriverReport } from "../driver/tree.ts";
import { Logger } from "../log.ts";
import { AuthError, type IdentityClaims, TokenAuthority } from "./auth.ts";
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
import type { Change, KvStore } from "./store/kv.ts";

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
  log?: Logger;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** The controller state machine. */
export class Controller {
  readonly identities = new Map<string, Identity>();
  readonly exporters = new Map<string, ExporterRecord>();
  readonly leases = new Map<string, LeaseRecord>();
  policies: AccessPolicy[] = [];
  readonly log: Logger;

  readonly #statusSinks = new Map<string, (update: StatusUpdate) => void>();
  readonly #listenSinks = new Map<string, (dial: DialRequest) => void>();
  readonly #dialBacklog = new Map<string, DialRequest[]>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #heartbeat = new Map<string, number>();
  readonly #leaseEndListeners = new Set<(lease: LeaseRecord, reason: string) => void>();
  readonly #leaseChangeListeners = new Set<(lease: LeaseRecord) => void>();
  #seq = 0;
  #reconcileQueued = false;
  #stopWatch?: () => void;
  #sweeper?: ReturnType<typeof setInterval>;
  #closed = false;
  readonly #startedAt = Date.now();

  private constructor(
    readonly store: KvStore,
    readonly authority: TokenAuthority,
    readonly options: Required<Omit<ControllerOptions, "log">>,
    log: Logger,
  ) {
    this.log = log;
  }

  /** Opens the controller over a store: loads state, re-arms timers, starts sweeping. */
  static async open(store: KvStore, options: ControllerOptions = {}): Promise<Controller> {
    const authority = await TokenAuthority.open(store);
    const controller = new Controller(store, authority, {
      leaseRetentionMs: options.leaseRetentionMs ?? 7 * 24 * 3600_000,
      leaseRetentionCount: options.leaseRetentionCount ?? 10_000,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 30_000,
      reattachGraceMs: options.reattachGraceMs ?? 30_000,
    }, options.log ?? new Logger("controller"));
    await controller.#load();
    controller.#stopWatch = store.watch("", (change) => controller.#onStoreChange(change));
    controller.#sweeper = setInterval(() => controller.#sweep(), 1000);
    controller.#scheduleReconcile();
    return controller;
  }

  async #load(): Promise<void> {
    await this.#reloadIdentities();
    for (const entry of await this.store.list<ExporterRecord>(keys.exporters)) {
      // Nobody is connected right after a start; exporters re-attach.
      this.exporters.set(key(entry.value.namespace, entry.value.name), {
        ...entry.value,
        online: false,
      });
    }
    for (const entry of await this.store.list<LeaseRecord>(keys.leases)) {
      this.leases.set(key(entry.value.namespace, entry.value.name), entry.value);
      this.#seq = Math.max(this.#seq, entry.value.seq);
    }
    for (const lease of this.leases.values()) this.#armTimer(lease);
  }

  /** Applies identity and policy changes at once, so revocation takes effect on the next call. */
  #onStoreChange(change: Change): void {
    if (change.kind === "external") {
      void this.#reloadIdentities();
      return;
    }
    if (change.key.startsWith(keys.identities)) {
      const id = change.key.slice(keys.identities.length);
      if (change.kind === "put") this.identities.set(id, change.value as Identity);
      else this.identities.delete(id);
    } else if (change.key.startsWith(keys.policies)) {
      void this.#reloadIdentities();
    }
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
    const record: ExporterRecord = {
      namespace: identity.namespace,
      name: identity.name,
      labels: { ...labels, ...identity.labels },
      reports,
      status: "AVAILABLE",
      statusMessage: "",
      online: true,
      lastSeen: new Date().toISOString(),
    };
    const previous = this.exporters.get(k);
    if (previous) record.status = previous.status === "OFFLINE" ? "AVAILABLE" : previous.status;
    this.exporters.set(k, record);
    this.#heartbeat.set(k, Date.now());
    await this.store.commit([{
      put: keys.exporter(identity.namespace, identity.name),
      value: record,
    }]);
    this.#exporterBack(record);
    this.#scheduleReconcile();
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
    if (record.status !== status || record.statusMessage !== message) {
      record.status = status;
      record.statusMessage = message;
      await this.store.commit([{
        put: keys.exporter(record.namespace, record.name),
        value: record,
      }]);
    }
    if (releaseLease) {
      const lease = this.activeLeaseOf(record);
      if (lease) {
        await this.#endLease(lease, "Released", `The exporter ended the lease: ${message}`);
      }
    }
    this.#scheduleReconcile();
  }

  /** Called when an exporter's Status stream opens; returns a function to call when it closes. */
  attachStatus(identity: Identity, sink: (update: StatusUpdate) => void): () => void {
    const k = key(identity.namespace, identity.name);
    this.#statusSinks.set(k, sink);
    const record = this.exporters.get(k);
    if (record && !record.online) {
      record.online = true;
      this.#exporterBack(record);
    }
    this.heartbeat(identity);
    const lease = record ? this.activeLeaseOf(record) : undefined;
    sink(
      lease ? { leased: true, leaseName: lease.name, clientName: lease.client } : { leased: false },
    );
    this.#scheduleReconcile();
    return () => {
      if (this.#statusSinks.get(k) !== sink) return;
      this.#statusSinks.delete(k);
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
    for (const dial of this.#dialBacklog.get(k) ?? []) sink(dial);
    this.#dialBacklog.delete(k);
    return () => {
      if (this.#listenSinks.get(k) === sink) this.#listenSinks.delete(k);
    };
  }

  /** Marks an exporter offline and tells the leases running on it. */
  async markOffline(namespace: string, name: string, why: string): Promise<void> {
    const record = this.exporters.get(key(namespace, name));
    if (!record || !record.online) return;
    record.online = false;
    record.status = "OFFLINE";
    record.statusMessage = why;
    this.log.info(`exporter ${namespace}/${name} offline: ${why}`);
    await this.store.commit([{ put: keys.exporter(namespace, name), value: record }]).catch(
      () => {},
    );
    const lease = this.activeLeaseOf(record);
    if (lease) await this.#exporterLost(lease, record, why);
  }

  async #exporterLost(lease: LeaseRecord, record: ExporterRecord, why: string): Promise<void> {
    setCondition(
      lease,
      "ExporterOffline",
      "True",
      "ExporterOffline",
      `Exporter "${record.name}" went offline: ${why}`,
    );
    for (const listener of this.#leaseEndListeners) {
      listener(lease, `exporter "${record.name}" went offline`);
    }
    if (lease.requeueOnExporterLoss) {
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
      this.#clearTimer(lease);
    }
    await this.#saveLease(lease);
    this.#scheduleReconcile();
  }

  #exporterBack(record: ExporterRecord): void {
    const lease = this.activeLeaseOf(record);
    if (lease && conditionTrue(lease, "ExporterOffline")) {
      setCondition(
        lease,
        "ExporterOffline",
        "False",
        "ExporterOnline",
        `Exporter "${record.name}" is back`,
      );
      void this.#saveLease(lease);
    }
  }

  /** The active (assigned, not ended) lease of an exporter, if any. */
  activeLeaseOf(record: ExporterRecord): LeaseRecord | undefined {
    for (const lease of this.leases.values()) {
      if (!lease.ended && lease.exporter === record.name && lease.namespace === record.namespace) {
        return lease;
      }
    }
    return undefined;
  }

  // ---- leases

  /** Creates a lease and queues it; returns the record (maybe already Ready). */
  async createLease(client: Identity, request: LeaseRequest): Promise<LeaseRecord> {
    if (!(request.durationMs > 0)) {
      throw new TypeError(
        `Invalid lease duration ${request.durationMs / 1000} s: it must be positive`,
      );
    }
    const policies = this.policies.filter((p) => admittingPoliciesForClient(p, client));
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
      seq: ++this.#seq,
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
    if (request.exporterName !== undefined) {
      const exists = this.exporters.has(key(client.namespace, request.exporterName));
      if (!exists) {
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
    }
    this.leases.set(key(lease.namespace, lease.name), lease);
    await this.#saveLease(lease);
    if (!lease.ended) this.#reconcileNow();
    return lease;
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
    const lease = this.getLease(namespace, name, client);
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
    this.#armTimer(lease);
    await this.#saveLease(lease);
    this.#scheduleReconcile();
    return lease;
  }

  /** Leases, newest last; `activeOnly` hides ended ones. */
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
    const pending = [...this.leases.values()].filter((l) => !l.ended && !l.exporter);
    const active = [...this.leases.values()].filter((l) => !l.ended && l.exporter);
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

  /** Hands a dial request to the exporter of a lease (queued until it listens). */
  dial(lease: LeaseRecord, request: DialRequest): void {
    const k = key(lease.namespace, lease.name);
    const sink = this.#listenSinks.get(k);
    if (sink) return sink(request);
    const backlog = this.#dialBacklog.get(k) ?? [];
    backlog.push(request);
    this.#dialBacklog.set(k, backlog);
  }

  #clientOf(lease: LeaseRecord): Identity | undefined {
    return this.identities.get(`Client/${lease.namespace}/${lease.client}`);
  }

  async #saveLease(lease: LeaseRecord): Promise<void> {
    await this.store.commit([{ put: keys.lease(lease.namespace, lease.name), value: lease }]);
    for (const listener of this.#leaseChangeListeners) listener(lease);
  }

  async #endLease(
    lease: LeaseRecord,
    reason: "Released" | "Expired",
    message: string,
  ): Promise<void> {
    if (lease.ended) return;
    lease.ended = true;
    lease.released = reason === "Released";
    lease.endTime = new Date().toISOString();
    setCondition(lease, "Ready", "False", reason, message);
    setCondition(lease, "Pending", "False", reason, message);
    this.#clearTimer(lease);
    const k = key(lease.namespace, lease.name);
    this.#dialBacklog.delete(k);
    if (lease.exporter) {
      this.#statusSinks.get(key(lease.namespace, lease.exporter))?.({ leased: false });
    }
    await this.#saveLease(lease);
    for (const listener of this.#leaseEndListeners) {
      listener(lease, reason === "Expired" ? "the lease expired" : "the lease was released");
    }
    this.log.info(`lease ${lease.name} ended: ${reason}`);
    this.#scheduleReconcile();
  }

  #armTimer(lease: LeaseRecord): void {
    this.#clearTimer(lease);
    if (lease.ended) return;
    const k = key(lease.namespace, lease.name);
    const end = plannedEnd(lease);
    const at = end ?? (lease.beginTime ? Date.parse(lease.beginTime) : undefined);
    if (at === undefined) return;
    const wait = Math.max(0, Math.min(at - Date.now(), 2 ** 31 - 1));
    this.#timers.set(
      k,
      setTimeout(() => {
        this.#timers.delete(k);
        if (end !== undefined && Date.now() >= end) {
          void this.#endLease(lease, "Expired", "The lease's duration is over");
        } else if (end !== undefined) this.#armTimer(lease);
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
    if (this.#reconcileQueued || this.#closed) return;
    this.#reconcileQueued = true;
    queueMicrotask(() => {
      this.#reconcileQueued = false;
      this.#reconcileNow();
    });
  }

  /** Assigns free exporters to pending leases in queue order. */
  #reconcileNow(): void {
    if (this.#closed) return;
    const now = Date.now();
    const pending = [...this.leases.values()].filter((l) => !l.ended && !l.exporter).sort(
      queueOrder,
    );
    if (pending.length === 0) return;
    const busy = new Set<string>();
    for (const lease of this.leases.values()) {
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
        const reason = all.length === 0
          ? "NoExporter"
          : all.some((e) => e.online)
          ? "NotAvailable"
          : "Offline";
        const message = all.length === 0
          ? `No exporter matches "${formatSelector(lease.selector)}"${
            lease.exporterName ? ` named "${lease.exporterName}"` : ""
          }`
          : all.some((e) => e.online)
          ? "Every matching exporter is leased"
          : "Every matching exporter is offline";
        const before = JSON.stringify(lease.conditions);
        if (all.length === 0) setCondition(lease, "Unsatisfiable", "True", reason, message);
        else setCondition(lease, "Unsatisfiable", "False", "Satisfiable", "");
        setCondition(lease, "Pending", "True", reason, message);
        if (JSON.stringify(lease.conditions) !== before) void this.#saveLease(lease);
        continue;
      }
      free.sort((a, b) => a.name.localeCompare(b.name));
      const chosen = free[0];
      busy.add(key(chosen.namespace, chosen.name));
      void this.#assign(lease, chosen);
    }
  }

  async #assign(lease: LeaseRecord, exporter: ExporterRecord): Promise<void> {
    lease.exporter = exporter.name;
    lease.effectiveBeginTime = new Date().toISOString();
    setCondition(lease, "Pending", "False", "Ready", "");
    setCondition(lease, "Unsatisfiable", "False", "Satisfiable", "");
    setCondition(lease, "Ready", "True", "Ready", `Leased exporter "${exporter.name}"`);
    if (conditionTrue(lease, "ExporterOffline")) {
      setCondition(lease, "ExporterOffline", "False", "ExporterOnline", "");
    }
    this.#armTimer(lease);
    this.#statusSinks.get(key(exporter.namespace, exporter.name))?.({
      leased: true,
      leaseName: lease.name,
      clientName: lease.client,
    });
    this.log.info(`lease ${lease.name} (${lease.client}) -> exporter ${exporter.name}`);
    await this.#saveLease(lease);
  }

  /** Periodic: heartbeat timeouts, re-attach grace, lease retention, lastSeen persistence. */
  #sweep(): void {
    const now = Date.now();
    for (const [k, record] of this.exporters) {
      const seen = this.#heartbeat.get(k);
      if (record.online && seen !== undefined && now - seen > this.options.heartbeatTimeoutMs) {
        void this.markOffline(record.namespace, record.name, "no heartbeat");
      }
      if (!record.online && now - this.#startedAt > this.options.reattachGraceMs) {
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
    if (now % 60_000 < 1000) void this.#prune();
  }

  async #prune(): Promise<void> {
    const ended = [...this.leases.values()].filter((l) => l.ended).sort((a, b) => a.seq - b.seq);
    const cutoff = Date.now() - this.options.leaseRetentionMs;
    const excess = ended.length - this.options.leaseRetentionCount;
    const drop = ended.filter((l, i) =>
      i < excess || Date.parse(l.endTime ?? l.createdAt) < cutoff
    );
    if (drop.length === 0) return;
    for (const lease of drop) this.leases.delete(key(lease.namespace, lease.name));
    await this.store.commit(drop.map((l) => ({ delete: keys.lease(l.namespace, l.name) })));
  }

  /** Runs retention now (tests and admin). */
  prune(): Promise<void> {
    return this.#prune();
  }

  /** Stops timers and watches; the store stays open (its owner closes it). */
  close(): void {
    this.#closed = true;
    this.#stopWatch?.();
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#statusSinks.clear();
    this.#listenSinks.clear();
  }
}

function admittingPoliciesForClient(policy: AccessPolicy, client: Identity): boolean {
  // The exporter side is checked at assignment; at creation only the client side matters.
  return matches(parseSelector(policy.clientSelector), client.labels);
}

/** No such lease, exporter or identity (or not the caller's). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}
