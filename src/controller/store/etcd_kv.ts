/**
 * The etcd store's documents: the KvStore seam (get, list, commit, watch)
 * over an etcd cluster, plus `lease()` and `campaign()` for what replicas
 * need to coordinate. See `etcd.ts` for how keys, versions and failures map
 * onto etcd.
 *
 * @module
 */
import { Buffer } from "node:buffer";
// @ts-types="./_etcd3.d.ts"
import type { Etcd3, IKeyValue, IOptions } from "etcd3";
import { BoundedCalls } from "./etcd_calls.ts";
import { connectEtcd, type EtcdOptions, readTlsCredentials } from "./etcd_connection.ts";
import { EtcdLeadership, type Leadership } from "./etcd_leadership.ts";
import { LivenessLease } from "./etcd_liveness.ts";
import { rangeOfPrefix } from "./etcd_range.ts";
import { txnCompares, txnOps } from "./etcd_txn.ts";
import { EtcdWatch } from "./etcd_watch.ts";
import {
  type Change,
  ConflictError,
  type Entry,
  type Guard,
  type KvStore,
  type Write,
} from "./kv.ts";

/** A key-value store in etcd. */
export class EtcdKv implements KvStore {
  readonly description: string;
  readonly prefix: string;
  readonly endpoints: string[];
  readonly timeoutMs: number;
  readonly #client: Etcd3;
  readonly #maxTxnOps: number;
  readonly #calls: BoundedCalls;
  readonly #watch: EtcdWatch;
  readonly #leases = new Set<LivenessLease>();
  readonly #campaigns = new Set<EtcdLeadership>();

  /** Creates the client without contacting etcd (see `EtcdKv.open`). */
  constructor(options: EtcdOptions, credentials?: IOptions["credentials"]) {
    const connection = connectEtcd(options, credentials);
    this.#client = connection.client;
    this.endpoints = connection.endpoints;
    this.prefix = connection.prefix;
    this.timeoutMs = connection.timeoutMs;
    this.#maxTxnOps = connection.maxTxnOps;
    this.description = `etcd://${this.endpoints.join(",")}${this.prefix}`;
    this.#calls = new BoundedCalls(this.endpoints, this.timeoutMs);
    this.#watch = new EtcdWatch(this.#client, this.prefix, (kv) => this.#entry(kv));
  }

  /** Connects (reading TLS files) and checks that etcd answers; StoreUnavailableError if not. */
  static async open(options: EtcdOptions): Promise<EtcdKv> {
    const store = new EtcdKv(options, await readTlsCredentials(options.tls));
    try {
      await store.get("");
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  #key(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  #entry<T>(kv: IKeyValue): Entry<T> {
    const key = kv.key.toString().slice(this.prefix.length);
    let value: T;
    try {
      value = JSON.parse(kv.value.toString());
    } catch {
      throw new TypeError(`etcd key "${this.prefix}${key}" does not hold JSON`);
    }
    return { key, value, version: Number(kv.mod_revision) };
  }

  get<T>(key: string): Promise<Entry<T> | undefined> {
    return this.#calls.run(`read "${key}" from etcd`, async () => {
      const res = await this.#client.kv.range({ key: this.#key(key) });
      this.#watch.seen(res.header);
      return res.kvs.length ? this.#entry<T>(res.kvs[0]) : undefined;
    });
  }

  list<T>(prefix: string): Promise<Entry<T>[]> {
    return this.#calls.run(`list "${prefix}" in etcd`, () =>
      rangeOfPrefix(
        this.#client.kv,
        this.#key(prefix),
        (header) => this.#watch.seen(header),
        (kv) => this.#entry<T>(kv),
      ));
  }

  /**
   * Applies the writes in one etcd transaction if every guard holds. An
   * unguarded batch larger than `maxTxnOps` is split into several.
   */
  commit(writes: Write[], guards: Guard[] = []): Promise<number> {
    return this.#commit(writes, guards);
  }

  /**
   * `commit()` that resolves to the transaction's revision: the new version
   * of every key it put, and a cluster-wide order of commits (the last
   * transaction's for a split batch).
   */
  commitRevision(writes: Write[], guards: Guard[] = []): Promise<number> {
    return this.#commit(writes, guards);
  }

  async #commit(writes: Write[], guards: Guard[], lease?: string): Promise<number> {
    const ops = txnOps(writes, this.prefix, lease);
    const compare = txnCompares(guards, this.prefix);
    if (ops.length + compare.length > this.#maxTxnOps && compare.length > 0) {
      throw new RangeError(
        `Cannot commit ${ops.length} writes with guards in one etcd transaction: the limit is ${this.#maxTxnOps}`,
      );
    }
    const batches = [];
    for (let i = 0; i < ops.length || i === 0; i += this.#maxTxnOps) {
      batches.push(ops.slice(i, i + this.#maxTxnOps));
    }
    let revision = 0;
    for (const batch of batches) {
      revision = await this.#calls.run("commit to etcd", async () => {
        const res = await this.#client.kv.txn({ compare, success: batch, failure: [] });
        this.#watch.seen(res.header);
        if (!res.succeeded) throw new ConflictError();
        return Number(res.header.revision);
      });
    }
    return revision;
  }

  watch(prefix: string, onChange: (change: Change) => void): () => void {
    return this.#watch.add(prefix, onChange);
  }

  /**
   * Grants an etcd lease of `ttlSeconds` and keeps it alive in the background;
   * keys written through it disappear when the lease is revoked or its owner
   * stops renewing it (process death, lost connection) for `ttlSeconds`.
   */
  async lease(ttlSeconds: number): Promise<LivenessLease> {
    if (!(ttlSeconds >= 1)) throw new RangeError(`An etcd lease TTL must be at least 1 s`);
    const inner = this.#client.lease(Math.ceil(ttlSeconds));
    inner.on("lost", () => {}); // reported through LivenessLease.onLost
    let id: string;
    try {
      id = await this.#calls.run("grant an etcd lease", () => inner.grant());
    } catch (error) {
      inner.release();
      throw error;
    }
    const lease = new LivenessLease(id, ttlSeconds, inner, {
      commit: (writes, guards) => this.#commit(writes, guards, id),
      bounded: (action, op) => this.#calls.run(action, op),
      forget: () => this.#leases.delete(lease),
    });
    this.#leases.add(lease);
    return lease;
  }

  /**
   * Campaigns for leadership of `electionName` as `replicaId` (etcd's
   * election recipe: the oldest live candidate key wins). If the leader's
   * process dies its lease expires after `ttlSeconds` (default 5) and the
   * next candidate wins. Candidates whose campaign fails (lost lease,
   * etcd unreachable) step down and campaign again until `resign()`.
   */
  campaign(
    electionName: string,
    replicaId: string,
    options: { ttlSeconds?: number } = {},
  ): Leadership {
    const ttl = Math.max(1, Math.ceil(options.ttlSeconds ?? 5));
    const root = this.#client.namespace(`${this.prefix.slice(0, -1)}-`);
    const leadership = new EtcdLeadership(root, electionName, replicaId, ttl, {
      bounded: (action, op) => this.#calls.run(action, op),
      forget: () => this.#campaigns.delete(leadership),
    });
    this.#campaigns.add(leadership);
    return leadership;
  }

  /** Resigns campaigns, revokes leases (their keys go at once), stops watches, disconnects. */
  async close(): Promise<void> {
    if (this.#calls.closed) return;
    await Promise.allSettled([
      ...[...this.#campaigns].map((c) => c.resign()),
      ...[...this.#leases].map((l) => l.revoke()),
    ]);
    this.#calls.closed = true;
    await this.#watch.close();
    this.#client.close();
  }
}
