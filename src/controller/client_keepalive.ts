/**
 * Client keepalives: a lease made by a session that releases it on exit
 * (`shell`, `run`, the test fixture) carries `clientKeepaliveMs`, and its
 * client calls GetLease while it holds or waits for it. Each such call is
 * written to the store (`keepalive/NS/LEASE`), so whichever replica leads
 * sees it; the leader ends a keepalive lease whose client stayed silent for
 * its timeout (a SIGKILLed session), with the reason `ClientGone`. Leases
 * without the marker (upstream clients) never time out this way.
 *
 * @module
 */
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import type { LeaseBook } from "./lease_book.ts";
import { keys, type LeaseRecord } from "./model.ts";
import { qualified, type Records } from "./records.ts";
import type { Change, KvStore } from "./store/kv.ts";

/** What client keepalives work with. */
export interface ClientKeepaliveParts {
  store: KvStore;
  records: Records;
  book: LeaseBook;
  isLeader(): boolean;
  closed(): boolean;
  log: Logger;
}

/** The stored keepalive of a lease. */
interface KeepaliveValue {
  at: string;
}

/** When each keepalive lease's client was last heard of, and ending the silent ones. */
export class ClientKeepalives {
  /** Last keepalive by `namespace/lease`, in ms since the epoch. */
  readonly #seen = new Map<string, number>();
  /** When this replica last wrote one, so a burst of calls costs one write. */
  readonly #written = new Map<string, number>();
  readonly #ending = new Set<string>();
  #leaderSince = 0;

  constructor(readonly parts: ClientKeepaliveParts) {}

  /** The lease's own client called: it is alive. Writes it for the leader (at most 8 per timeout). */
  touch(lease: LeaseRecord): void {
    if (!lease.clientKeepaliveMs || lease.ended || this.parts.closed()) return;
    const k = qualified(lease.namespace, lease.name);
    const now = Date.now();
    this.#seen.set(k, Math.max(now, this.#seen.get(k) ?? 0));
    if (now - (this.#written.get(k) ?? 0) < lease.clientKeepaliveMs / 8) return;
    this.#written.set(k, now);
    const value: KeepaliveValue = { at: new Date(now).toISOString() };
    this.parts.store.commit([{ put: keys.keepalive(lease.namespace, lease.name), value }]).catch(
      (error) =>
        this.parts.log.warning(
          `cannot record the keepalive of lease ${lease.name}: ${messageOf(error)}`,
        ),
    );
  }

  /** A keepalive written by any replica (from the store's watch or its first read). */
  apply(change: Change): void {
    if (change.kind === "external") return;
    const k = change.key.slice(keys.keepalives.length);
    if (change.kind === "delete") {
      this.#seen.delete(k);
      this.#written.delete(k);
      return;
    }
    const at = Date.parse((change.value as KeepaliveValue)?.at ?? "");
    if (Number.isFinite(at)) this.#seen.set(k, Math.max(at, this.#seen.get(k) ?? 0));
  }

  /** Reads the stored keepalives (at start). */
  async load(): Promise<void> {
    for (const entry of await this.parts.store.list<KeepaliveValue>(keys.keepalives)) {
      this.apply({ kind: "put", key: entry.key, value: entry.value, version: entry.version });
    }
  }

  /** This replica now leads: a client gets a full timeout from now before it counts as gone. */
  leading(leader: boolean): void {
    if (leader) this.#leaderSince = Date.now();
  }

  /** As the leader: ends the keepalive leases whose client has been silent too long. */
  sweep(now: number): void {
    const { records, book, log } = this.parts;
    const stale = [...this.#seen.keys()].filter((k) => !records.open.has(k));
    for (const k of stale) {
      this.#seen.delete(k);
      this.#written.delete(k);
    }
    if (!this.parts.isLeader() || this.parts.closed()) return;
    // A keepalive that raced the lease's end: the leader tidies its key away.
    if (stale.length > 0) {
      this.parts.store.commit(stale.map((k) => ({ delete: `${keys.keepalives}${k}` }))).catch(
        () => {},
      );
    }
    for (const [k, lease] of records.open) {
      if (!lease.clientKeepaliveMs || this.#ending.has(k)) continue;
      const last = Math.max(this.#seen.get(k) ?? 0, Date.parse(lease.createdAt), this.#leaderSince);
      const silent = now - last;
      if (silent <= lease.clientKeepaliveMs) continue;
      this.#ending.add(k);
      const seconds = Math.round(silent / 100) / 10;
      book.end(
        lease,
        "ClientGone",
        `Client "${lease.client}" sent no keepalive for ${seconds} s; the lease was ended`,
      ).catch((error) =>
        log.warning(`cannot end lease ${lease.name} of a silent client: ${messageOf(error)}`)
      ).finally(() => this.#ending.delete(k));
    }
  }
}
