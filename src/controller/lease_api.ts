/**
 * The lease calls clients make: create (queued by number, admitted by the
 * access policies), get, list, update (extend or move the begin time),
 * release, and the queue estimate of a pending lease.
 *
 * @module
 */
import { checkLeaseDuration } from "./limits.ts";
import { FailedPreconditionError } from "../driver/errors.ts";
import { AuthError } from "./auth_error.ts";
import { NotFoundError } from "./errors.ts";
import type { Identities } from "./identities.ts";
import type { LeaseBook } from "./lease_book.ts";
import type { LeaseScheduler } from "./lease_scheduler.ts";
import { conditionTrue, type Identity, keys, type LeaseRecord, plannedEnd } from "./model.ts";
import { admitted, candidates, estimate, type QueueEstimate } from "./queue.ts";
import { qualified, type Records } from "./records.ts";
import { endForMissingExporter, type LeaseRequest, newLeaseRecord } from "./lease_request.ts";
import { claimLeaseSeq, type SeqCounter } from "./lease_seq.ts";
import { matches } from "./selector_match.ts";
import { transferTo } from "./lease_transfer.ts";
import { parseSelector } from "./selector.ts";
import { ConflictError, type KvStore } from "./store/kv.ts";

/** What the lease calls work with. */
export interface LeaseApiParts {
  store: KvStore;
  records: Records;
  identities: Identities;
  book: LeaseBook;
  scheduler: LeaseScheduler;
  isLeader(): boolean;
  /** The longest lease this controller gives. */
  maxLeaseMs: number;
  /** How long a keepalive lease's client may stay silent. */
  clientKeepaliveMs: number;
}

/** Clients' lease calls. */
export class LeaseApi {
  /** The queue counter as this replica last wrote it (a create then skips reading it). */
  #seq?: SeqCounter;
  /** The create committing now; the next waits for it. */
  #creating: Promise<void> = Promise.resolve();

  constructor(readonly parts: LeaseApiParts) {}

  /** Creates a lease and queues it; returns the record (Ready at once when this replica leads and a board is free). */
  async create(client: Identity, request: LeaseRequest): Promise<LeaseRecord> {
    const { records, identities } = this.parts;
    checkLeaseDuration(request.durationMs, this.parts.maxLeaseMs);
    if (request.beginTime && !Number.isFinite(request.beginTime.getTime())) {
      throw new TypeError("Invalid lease begin time");
    }
    const policies = identities.policies.filter((p) =>
      matches(parseSelector(p.clientSelector), client.labels)
    );
    if (identities.policies.length > 0 && policies.length === 0) {
      throw new AuthError(`Client "${client.name}" is not admitted by any access policy`);
    }
    const name = request.name ?? crypto.randomUUID();
    if (records.leases.has(qualified(client.namespace, name))) {
      throw new TypeError(`Lease "${name}" already exists`);
    }
    const key = qualified(client.namespace, name);
    // One commit claims the queue number, writes the lease and, when this replica leads and a
    // board is free with nothing queued ahead, assigns it: a create is one store write. This
    // replica's creates commit one after another (racing each other for the counter, 200 at
    // once lost 50 times in a row); only other replicas' creates can race a commit.
    const turn = this.#creating;
    let done!: () => void;
    this.#creating = new Promise<void>((resolve) => done = resolve);
    await turn;
    let created: { lease: LeaseRecord; pass: boolean };
    try {
      created = await this.#createOne(client, request, name, key, policies);
    } finally {
      done();
    }
    if (created.pass) await this.parts.scheduler.run();
    return records.leases.get(key) ?? created.lease;
  }

  async #createOne(
    client: Identity,
    request: LeaseRequest,
    name: string,
    key: string,
    policies: { priority: number }[],
  ): Promise<{ lease: LeaseRecord; pass: boolean }> {
    const { records } = this.parts;
    for (let attempt = 0; attempt < 50; attempt++) {
      const claim = await claimLeaseSeq(this.parts.store, () => records.seqFloor, this.#seq);
      this.#seq = undefined;
      const lease = newLeaseRecord(client, request, {
        name,
        seq: claim.seq,
        priority: Math.max(0, ...policies.map((p) => p.priority)),
        clientKeepaliveMs: this.parts.clientKeepaliveMs,
      });
      if (
        request.exporterName !== undefined &&
        !records.exporters.has(qualified(client.namespace, request.exporterName))
      ) {
        endForMissingExporter(lease, request.exporterName);
      }
      const direct = this.parts.isLeader() ? this.parts.scheduler.direct(lease) : undefined;
      let revision: number;
      try {
        revision = await this.parts.book.save(
          direct?.record ?? lease,
          [...claim.writes, ...direct?.writes ?? []],
          [
            { key: keys.lease(lease.namespace, lease.name), version: 0 },
            ...claim.guards,
            ...direct?.guards ?? [],
          ],
        );
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (records.leases.has(key)) throw new TypeError(`Lease "${name}" already exists`);
        // Another replica took the number or the board first: step aside a moment, at random.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * (attempt + 1))));
        continue;
      }
      this.#seq = { value: claim.seq, version: revision };
      if (direct) {
        this.parts.scheduler.parts.log.info(
          `lease ${name} (${client.name}) -> exporter ${direct.exporter}`,
        );
      }
      return { lease, pass: !direct && !lease.ended && this.parts.isLeader() };
    }
    throw new ConflictError("Too many concurrent lease creations; retry");
  }

  /** A lease by name, checked to belong to `client` when given. */
  get(namespace: string, name: string, client?: Identity): LeaseRecord {
    const lease = this.parts.records.leases.get(qualified(namespace, name));
    if (!lease || (client && !ownedBy(lease, client))) {
      throw new NotFoundError(
        `No lease named "${name}"${client ? ` held by client "${client.name}"` : ""}`,
      );
    }
    return lease;
  }

  /** Releases a lease (idempotent for ended leases). */
  async release(namespace: string, name: string, client?: Identity): Promise<LeaseRecord> {
    const lease = this.get(namespace, name, client);
    if (!lease.ended) await this.parts.book.end(lease, "Released", "Released by the client");
    return lease;
  }

  /** Changes a lease's duration (extend) or begin time; checks access policies. */
  async update(
    namespace: string,
    name: string,
    client: Identity,
    change: { durationMs?: number; beginTime?: Date; toClient?: string },
  ): Promise<LeaseRecord> {
    const lease = structuredClone(this.get(namespace, name, client));
    if (change.toClient !== undefined) transferTo(lease, change.toClient, this.parts.identities);
    if (lease.ended) {
      throw new FailedPreconditionError(`Lease "${name}" has ended; create a new one`);
    }
    if (change.durationMs !== undefined) {
      checkLeaseDuration(change.durationMs, this.parts.maxLeaseMs);
      const record = lease.exporter
        ? this.parts.records.exporters.get(qualified(namespace, lease.exporter))
        : undefined;
      const trial = { ...lease, durationMs: change.durationMs };
      if (record && !admitted(trial, record, this.parts.identities.policies, client)) {
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
    await this.parts.book.save(lease);
    return lease;
  }

  /** Leases, oldest first; `activeOnly` hides ended ones. */
  list(
    namespace: string,
    options: { activeOnly?: boolean; client?: string } = {},
  ): LeaseRecord[] {
    return [...this.parts.records.leases.values()]
      .filter((l) => l.namespace === namespace)
      .filter((l) => !options.activeOnly || !l.ended)
      .filter((l) => !options.client || l.client === options.client)
      .sort((a, b) => a.seq - b.seq);
  }

  /** Queue position and estimated start of a pending lease. */
  estimateStart(lease: LeaseRecord): QueueEstimate | undefined {
    const { records, identities } = this.parts;
    if (lease.ended || lease.exporter) return undefined;
    const pending = [...records.open.values()].filter((l) => !l.ended && !l.exporter);
    const active = [...records.open.values()].filter((l) => !l.ended && l.exporter);
    const found = (l: LeaseRecord) =>
      candidates(
        l,
        records.exporters.narrow(l.namespace, l.selector, l.exporterName),
        identities.policies,
        identities.clientOf(l),
      );
    const names = (l: LeaseRecord) => new Set(found(l).map((e) => e.name));
    // Only this lease's candidates are looked up as online: no scan of every exporter.
    const own = found(lease);
    const online = new Set(own.filter((e) => e.online).map((e) => e.name));
    return estimate(
      lease,
      pending,
      active,
      new Set(own.map((e) => e.name)),
      online,
      Date.now(),
      names,
    );
  }

  /** True when streams may run for this lease now. */
  active(namespace: string, name: string): boolean {
    const lease = this.parts.records.leases.get(qualified(namespace, name));
    return !!lease && !lease.ended && !!lease.exporter && !conditionTrue(lease, "ExporterOffline");
  }
}

/** True when `client` made `lease` (by name, and by uid where the lease recorded it). */
export function ownedBy(lease: LeaseRecord, client: Identity): boolean {
  return lease.client === client.name && (!lease.clientUid || lease.clientUid === client.uid);
}
