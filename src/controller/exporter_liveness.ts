/**
 * Whether exporters are online: registration, signs of life (HTTP/2 PINGs
 * on the session of the exporter's Status stream, `session_pings.ts`, and
 * repeated status reports) and reported status, the ephemeral `alive/` key
 * of the replica holding an exporter's connection, and what the leader does
 * to a lease whose exporter goes away or comes back.
 *
 * @module
 */
import { checkLabels } from "./limits.ts";
import { FailedPreconditionError } from "../driver/errors.ts";
import { messageOf } from "../driver/error_message.ts";
import type { DriverReport } from "../driver/driver_report.ts";
import type { Logger } from "../log.ts";
import type { Coordination } from "./coordination.ts";
import type { ExporterLinks, StatusUpdate } from "./exporter_links.ts";
import type { LeaseBook } from "./lease_book.ts";
import { AliveKeys } from "./alive_keys.ts";
import type { LeaseScheduler } from "./lease_scheduler.ts";
import {
  conditionTrue,
  type ExporterRecord,
  type ExporterStatusName,
  type Identity,
  keys,
} from "./model.ts";
import { qualified, type Records } from "./records.ts";
import { type PeerSession, SessionPings } from "./session_pings.ts";
import type { KvStore } from "./store/kv.ts";

/** What exporter liveness works with. */
export interface LivenessParts {
  store: KvStore;
  coordination: Coordination;
  records: Records;
  links: ExporterLinks;
  book: LeaseBook;
  scheduler: LeaseScheduler;
  /** True once the controller closed. */
  closed(): boolean;
  log: Logger;
  /** An exporter silent this long is offline. */
  heartbeatTimeoutMs: number;
  /** After a restart, how long exporters have to re-attach before their leases are told. */
  reattachGraceMs: number;
}

/** Exporters' online state, kept by the replica holding them and acted on by the leader. */
export class ExporterLiveness {
  readonly #heartbeat = new Map<string, number>();
  /**
   * Exporters seen sending a heartbeat (their unchanged status again, as
   * ours do every minute). Upstream's exporters report changes only, so for
   * them an open Status stream is the sign of life and no heartbeat timeout
   * applies.
   */
  readonly #beating = new Set<string>();
  /** The sessions of exporters' Status streams, PINGed when silent. */
  readonly #sessions: SessionPings;
  /** Exporters being marked offline for silence (their session is dropped after). */
  readonly #silent = new Set<string>();
  readonly #alive: AliveKeys;
  readonly #startedAt = Date.now();
  /**
   * How often the sweep walks every exporter: a thirtieth of the heartbeat
   * timeout, 1 to 5 s (5 s by default). Walking 30,000 exporters every
   * second cost 3% of a core on its own.
   */
  readonly #scanEveryMs: number;
  #scannedAt = 0;

  constructor(readonly parts: LivenessParts) {
    this.#alive = new AliveKeys(parts.store, parts.coordination);
    this.#sessions = new SessionPings(parts.heartbeatTimeoutMs / 3);
    this.#scanEveryMs = Math.min(5000, Math.max(1000, parts.heartbeatTimeoutMs / 30));
  }

  /** Records a registration; returns the exporter's record. */
  async register(
    identity: Identity,
    labels: Record<string, string>,
    reports: DriverReport[],
  ): Promise<ExporterRecord> {
    checkLabels(labels);
    const k = qualified(identity.namespace, identity.name);
    const previous = this.parts.records.exporters.get(k);
    const record: ExporterRecord = {
      namespace: identity.namespace,
      name: identity.name,
      labels: { ...labels, ...identity.labels },
      reports,
      status: previous && previous.status !== "OFFLINE" ? previous.status : "AVAILABLE",
      statusMessage: "",
      online: true,
      lastSeen: new Date().toISOString(),
      replica: this.parts.coordination.replicaId,
    };
    this.#heartbeat.set(k, Date.now());
    await this.#alive.claim(record);
    await this.#save(record);
    return record;
  }

  /** Marks an exporter seen now (a heartbeat). */
  heartbeat(identity: Identity): void {
    this.#heartbeat.set(qualified(identity.namespace, identity.name), Date.now());
  }

  /** Records a status the exporter reported. */
  async reportStatus(
    identity: Identity,
    status: ExporterStatusName,
    message: string,
    releaseLease: boolean,
  ): Promise<void> {
    const { records, coordination } = this.parts;
    const record = records.exporters.get(qualified(identity.namespace, identity.name));
    if (!record) {
      throw new FailedPreconditionError(
        `Exporter "${identity.name}" reported status before registering`,
      );
    }
    this.heartbeat(identity);
    const k = qualified(identity.namespace, identity.name);
    if (record.status === status && record.statusMessage === message) this.#beating.add(k);
    if (record.status !== status || record.statusMessage !== message || !record.online) {
      await this.#save({
        ...record,
        status,
        statusMessage: message,
        online: true,
        replica: coordination.replicaId,
      });
      // A leased exporter's hooks and readiness show on its lease.
      const lease = status === "OFFLINE" || status === "AVAILABLE"
        ? undefined
        : records.activeLeaseOf(record);
      if (lease) {
        await this.parts.book.exporterStatus(lease, identity.name, status, message).catch((error) =>
          this.parts.log.warning(`cannot record ${k}'s status on its lease: ${messageOf(error)}`)
        );
      }
    }
    if (releaseLease) {
      const lease = records.activeLeaseOf(record);
      if (lease) {
        await this.parts.book.end(lease, "Released", `The exporter ended the lease: ${message}`);
      }
    }
  }

  /**
   * Called when an exporter's Status stream opens, with the HTTP/2 session it
   * rides on; returns a function to call when it closes.
   */
  attachStatus(
    identity: Identity,
    sink: (update: StatusUpdate) => void,
    session?: PeerSession,
  ): () => void {
    const { links, coordination } = this.parts;
    const k = qualified(identity.namespace, identity.name);
    links.openStatus(k, sink);
    this.heartbeat(identity);
    const unwatch = session ? this.#sessions.watch(k, session) : undefined;
    const record = this.parts.records.exporters.get(k);
    if (record) {
      void this.#alive.claim(record).catch((error) =>
        this.parts.log.warning(`cannot record ${k} alive: ${messageOf(error)}`)
      );
      if (!record.online || record.replica !== coordination.replicaId) {
        void this.#save({ ...record, online: true, replica: coordination.replicaId })
          .catch(() => {});
      }
    }
    links.tell(k);
    return () => {
      unwatch?.();
      if (!links.closeStatus(k, sink)) return;
      if (!this.parts.closed()) {
        void this.markOffline(identity.namespace, identity.name, "its connection closed");
      }
    };
  }

  /** Marks an exporter this replica held offline; the leader then tells its lease. */
  async markOffline(namespace: string, name: string, why: string): Promise<void> {
    const k = qualified(namespace, name);
    const record = this.parts.records.exporters.get(k);
    const released = this.#alive.release(namespace, name);
    if (released) await released;
    if (!record || !record.online) return;
    if (record.replica && record.replica !== this.parts.coordination.replicaId) return;
    await this.writeOffline(record, why);
  }

  /** Records an exporter offline, whichever replica held it. */
  async writeOffline(record: ExporterRecord, why: string): Promise<void> {
    this.parts.log.info(`exporter ${record.namespace}/${record.name} offline: ${why}`);
    await this.#save({ ...record, online: false, status: "OFFLINE", statusMessage: why })
      .catch((error) =>
        this.parts.log.warning(`cannot record ${record.name} offline: ${messageOf(error)}`)
      );
  }

  async #save(record: ExporterRecord): Promise<void> {
    const storeKey = keys.exporter(record.namespace, record.name);
    const revision = await this.parts.store.commit([{ put: storeKey, value: record }]);
    if (this.parts.records.newer(storeKey, revision)) this.apply(record);
  }

  /** Applies an exporter record (own write or another replica's). */
  apply(record: ExporterRecord): void {
    const { records, scheduler } = this.parts;
    const k = qualified(record.namespace, record.name);
    const before = records.exporters.get(k);
    records.exporters.set(k, record);
    if (before && before.online === record.online) {
      if (record.online) scheduler.schedule();
      return;
    }
    if (!this.parts.coordination.isLeader) return;
    const lease = records.activeLeaseOf(record);
    if (!record.online && lease && !conditionTrue(lease, "ExporterOffline")) {
      void this.parts.book.exporterLost(
        lease,
        record.name,
        record.statusMessage || "it went offline",
      );
    } else if (record.online && lease && conditionTrue(lease, "ExporterOffline")) {
      void this.parts.book.exporterBack(lease, record.name);
    }
    scheduler.schedule();
  }

  /**
   * Periodic: PINGs to silent sessions, heartbeat timeouts, and (alone, as
   * leader) exporters that never re-attached.
   */
  sweep(now: number): void {
    const { records, coordination, heartbeatTimeoutMs, reattachGraceMs } = this.parts;
    // Called every second; walks the sessions and exporters every #scanEveryMs (less 500 ms
    // of timer jitter).
    if (now - this.#scannedAt < this.#scanEveryMs - 500) return;
    this.#scannedAt = now;
    this.#sessions.sweep(now);
    for (const [k, record] of records.exporters) {
      let seen = this.#heartbeat.get(k);
      // With the Status stream's session watched, every exporter is judged by its PINGs (and
      // any status it repeats); without, only those seen repeating their status time out.
      const pinged = this.#sessions.lastSeen(k);
      if (pinged !== undefined) seen = Math.max(seen ?? 0, pinged);
      if (
        record.online && this.parts.links.hasStatus(k) && seen !== undefined &&
        (pinged !== undefined || this.#beating.has(k)) && now - seen > heartbeatTimeoutMs &&
        !this.#silent.has(k)
      ) {
        const seconds = Math.round((now - seen) / 1000);
        const why = pinged !== undefined
          ? `its connection was silent for ${seconds} s (no HTTP/2 PING or answer to one)`
          : "no heartbeat";
        this.#silent.add(k);
        // The session judged now: one the exporter opens meanwhile is not dropped.
        const session = this.#sessions.sessionOf(k);
        void this.markOffline(record.namespace, record.name, why)
          .catch((error) =>
            this.parts.log.warning(`cannot record ${k} offline: ${messageOf(error)}`)
          )
          .finally(() => {
            this.#silent.delete(k);
            if (session) this.#sessions.drop(session);
          });
      }
      if (
        !coordination.shared && coordination.isLeader && !record.online &&
        now - this.#startedAt > reattachGraceMs
      ) {
        const lease = records.activeLeaseOf(record);
        if (lease && !conditionTrue(lease, "ExporterOffline") && !this.#heartbeat.has(k)) {
          this.#heartbeat.set(k, 0);
          void this.parts.book.exporterLost(
            lease,
            record.name,
            "it did not re-attach after the controller restarted",
          );
        }
      }
    }
  }
}
