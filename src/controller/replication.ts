/**
 * How this replica follows the shared store: loading it at start, applying
 * every change the store's watch reports (this replica's writes and other
 * replicas'), and taking up or handing over the leader's work.
 *
 * @module
 */
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import type { ClientKeepalives } from "./client_keepalive.ts";
import type { Coordination } from "./coordination.ts";
import type { DialRequest, ExporterLinks } from "./exporter_links.ts";
import type { ExporterLiveness } from "./exporter_liveness.ts";
import type { Identities } from "./identities.ts";
import type { LeaseBook } from "./lease_book.ts";
import type { LeaseScheduler } from "./lease_scheduler.ts";
import type { LeaseTimers } from "./lease_timers.ts";
import { type ExporterRecord, type Identity, keys, type LeaseRecord } from "./model.ts";
import { qualified, type Records } from "./records.ts";
import type { Change, KvStore } from "./store/kv.ts";

/** What replication works with. */
export interface ReplicationParts {
  store: KvStore;
  coordination: Coordination;
  records: Records;
  identities: Identities;
  links: ExporterLinks;
  liveness: ExporterLiveness;
  book: LeaseBook;
  timers: LeaseTimers;
  scheduler: LeaseScheduler;
  keepalives: ClientKeepalives;
  /** True once the controller closed. */
  closed(): boolean;
  log: Logger;
}

/** Keeps the caches in step with the store and the leader's work with leadership. */
export class Replication {
  constructor(readonly parts: ReplicationParts) {}

  /** Reads identities, exporters and leases from the store. */
  async load(): Promise<void> {
    const { store, coordination, records } = this.parts;
    await this.parts.identities.reload();
    const alive = await aliveExporters(store);
    for (const entry of await store.list<ExporterRecord>(keys.exporters)) {
      records.loaded(entry.key, entry.version);
      const k = qualified(entry.value.namespace, entry.value.name);
      // Alone, nobody is connected right after a start; shared, another replica may hold it.
      const online = coordination.shared ? entry.value.online && alive.has(k) : false;
      records.exporters.set(k, { ...entry.value, online });
    }
    for (const entry of await store.list<LeaseRecord>(keys.leases)) {
      records.loaded(entry.key, entry.version);
      records.seqFloor = Math.max(records.seqFloor, entry.value.seq);
      if (!entry.value.ended) {
        records.open.set(qualified(entry.value.namespace, entry.value.name), entry.value);
      }
      records.leases.set(qualified(entry.value.namespace, entry.value.name), entry.value);
    }
    await this.parts.keepalives.load();
  }

  /** Starts or stops the leader's work: timers, scheduling, orphaned exporters. */
  leadershipChanged(leader: boolean): void {
    const { coordination, records, timers } = this.parts;
    if (this.parts.closed()) return;
    this.parts.keepalives.leading(leader);
    this.parts.log.info(
      leader
        ? `replica ${coordination.replicaId} leads the scheduler`
        : `replica ${coordination.replicaId} no longer leads`,
    );
    if (!leader) {
      timers.clearAll();
      return;
    }
    for (const lease of records.open.values()) timers.arm(lease);
    if (coordination.shared) void this.#adoptOrphans();
    this.parts.scheduler.schedule();
  }

  /** As a new leader: exporters whose replica died while nobody led are offline now. */
  async #adoptOrphans(): Promise<void> {
    const alive = await aliveExporters(this.parts.store);
    for (const [k, record] of this.parts.records.exporters) {
      if (record.online && !alive.has(k)) {
        await this.parts.liveness.writeOffline(record, "its controller replica went away");
      }
    }
  }

  /**
   * Ends the leases whose client identity was deleted (or deleted and made
   * again: another uid). The leader does it; a lease's streams are cut with it.
   */
  async endLeasesOfGoneClients(): Promise<void> {
    const { records, identities, coordination, book, log } = this.parts;
    if (!coordination.isLeader || this.parts.closed()) return;
    for (const lease of [...records.leases.values()]) {
      if (lease.ended) continue;
      const client = identities.clientOf(lease);
      if (client && (!lease.clientUid || lease.clientUid === client.uid)) continue;
      await book.end(lease, "ClientDeleted", `Client "${lease.client}" was deleted`).catch((e) =>
        log.warning(`cannot end lease ${lease.name} of a deleted client: ${messageOf(e)}`)
      );
    }
  }

  /** Listeners told when an identity's tokens stop working (its live streams end). */
  readonly #goneListeners = new Set<(kind: string, namespace: string, name: string) => void>();

  /** Calls `listener(kind, namespace, name)` when an identity is deleted or made again. */
  onIdentityGone(listener: (kind: string, namespace: string, name: string) => void): () => void {
    this.#goneListeners.add(listener);
    return () => this.#goneListeners.delete(listener);
  }

  /**
   * An exporter whose identity was deleted is cut at once: its streams on this
   * replica end, and the leader ends its lease and removes its record, so
   * nothing schedules it or writes it back.
   */
  async dropGoneExporters(): Promise<void> {
    const { records, identities, coordination, book, store, log } = this.parts;
    for (const record of [...records.exporters.values()]) {
      const identity = identities.byKey.get(`Exporter/${record.namespace}/${record.name}`);
      if (identity) continue;
      const lease = records.activeLeaseOf(record);
      // Out of the cache first: nothing schedules it, and its closing stream writes nothing back.
      records.exporters.delete(qualified(record.namespace, record.name));
      for (const listener of this.#goneListeners) {
        listener("Exporter", record.namespace, record.name);
      }
      if (!coordination.isLeader || this.parts.closed()) continue;
      try {
        if (lease) await book.end(lease, "Released", `Exporter "${record.name}" was deleted`);
        await store.commit([{ delete: keys.exporter(record.namespace, record.name) }]);
      } catch (error) {
        log.warning(`cannot drop deleted exporter ${record.name}: ${messageOf(error)}`);
      }
    }
  }

  /** Applies every change from the store: this replica's own writes and other replicas'. */
  apply(change: Change): void {
    const { records, identities, links, liveness } = this.parts;
    if (change.kind === "external") {
      void identities.reload().then(async () => {
        await this.endLeasesOfGoneClients();
        await this.dropGoneExporters();
        this.parts.scheduler.schedule(); // an exporter enabled again: its queue may move
      });
      return;
    }
    const k = change.key;
    if (k.startsWith(keys.identities)) {
      const id = k.slice(keys.identities.length);
      if (change.kind === "put") identities.byKey.set(id, change.value as Identity);
      else identities.byKey.delete(id);
      if (id.startsWith("Client/")) void this.endLeasesOfGoneClients();
      if (id.startsWith("Exporter/")) {
        void this.dropGoneExporters();
        this.parts.scheduler.schedule(); // enabled again: its queue may move
      }
    } else if (k.startsWith(keys.policies)) {
      void identities.reload();
    } else if (k.startsWith(keys.leases)) {
      if (change.kind === "delete") {
        records.leases.delete(k.slice(keys.leases.length));
        records.open.delete(k.slice(keys.leases.length));
        records.forget(k);
      } else if (records.newer(k, change.version)) {
        this.parts.book.apply(change.value as LeaseRecord);
      }
    } else if (k.startsWith(keys.exporters)) {
      if (change.kind === "delete") {
        records.exporters.delete(k.slice(keys.exporters.length));
        records.forget(k);
      } else if (records.newer(k, change.version)) {
        liveness.apply(change.value as ExporterRecord);
      }
    } else if (k.startsWith(keys.aliveAll) && change.kind === "delete") {
      const record = records.exporters.get(k.slice(keys.aliveAll.length));
      // The replica holding it died (or it disconnected there): the leader records it.
      if (
        record?.online && this.parts.coordination.isLeader &&
        !links.hasStatus(k.slice(keys.aliveAll.length))
      ) {
        void liveness.writeOffline(record, "its controller replica went away");
      }
    } else if (k.startsWith(keys.keepalives)) {
      this.parts.keepalives.apply(change);
    } else if (k.startsWith(keys.dials) && change.kind === "put") {
      links.deliverStored(k, change.value as DialRequest);
    }
  }
}

/** The exporters (`namespace/name`) some replica holds a connection to. */
async function aliveExporters(store: KvStore): Promise<Set<string>> {
  return new Set(
    (await store.list(keys.aliveAll)).map((e) => e.key.slice(keys.aliveAll.length)),
  );
}
