/**
 * The replicated store: the controller's documents in an etcd cluster
 * (`npm:etcd3`), so several controller replicas share one state.
 *
 * - Keys live under a prefix (default `/jumpstarter/`); values are JSON.
 * - A key's version is its etcd mod revision (0 = absent), so a guard is an
 *   etcd transaction compare (`mod == v`, or `create == 0` for "absent").
 * - `watch()` sees every client's writes (other replicas too) from one etcd
 *   watch stream; after that stream reconnects it also reports an
 *   `external` change so callers reload.
 * - Every call is bounded (`timeoutMs`, default 4 s): without quorum, or with
 *   no member reachable, calls fail with StoreUnavailableError naming the
 *   endpoints instead of hanging, and work again once members return.
 *
 * Beyond the KvStore seam it offers what replicas need to coordinate:
 * `lease()` for liveness keys (deleted by etcd when their owner stops
 * renewing them) and `campaign()` for leader election. Election keys live
 * beside the data prefix (`/jumpstarter-election/NAME/...`), not under it, so
 * data watchers never see them.
 *
 * @module
 */
import { Buffer } from "node:buffer";
// @ts-types="./_etcd3.d.ts"
import {
  type Campaign,
  CompareResult,
  CompareTarget,
  Etcd3,
  type IBackoff,
  type ICompare,
  type IKeyValue,
  type IOptions,
  type IPolicy,
  type IRequestOp,
  type IResponseHeader,
  isRecoverableError,
  type Lease,
  type Namespace,
  type Watcher,
} from "etcd3";
import {
  type Change,
  ConflictError,
  type Entry,
  type Guard,
  type KvStore,
  StoreUnavailableError,
  type Write,
} from "./kv.ts";

/** How to reach an etcd cluster. */
export interface EtcdOptions {
  /** Client endpoints: `host:port`, `http://host:port` or `https://host:port`. */
  endpoints: string[];
  /** Prefix of every data key; a trailing `/` is added when missing. Default `/jumpstarter/`. */
  prefix?: string;
  /**
   * TLS files (PEM); with `ca` set, bare endpoints use https. `serverName` is
   * the name to check the server certificate against, needed when endpoints
   * are IP addresses (Deno's TLS client sends no IP as server name); with
   * `auth` as well, endpoints must be host names.
   */
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string };
  /** etcd user authentication. */
  auth?: { username: string; password: string };
  /** Upper bound of every call in ms; default 4,000. */
  timeoutMs?: number;
  /** Deadline of one attempt on one member before trying another; default 1,000 ms. */
  attemptTimeoutMs?: number;
  /** etcd's `--max-txn-ops` (default 128): larger unguarded commits are split. */
  maxTxnOps?: number;
}

/** A key-value store in etcd. */
export class EtcdKv implements KvStore {
  readonly description: string;
  readonly prefix: string;
  readonly endpoints: string[];
  readonly timeoutMs: number;
  readonly #client: Etcd3;
  readonly #maxTxnOps: number;
  readonly #watchers = new Set<{ prefix: string; onChange: (c: Change) => void }>();
  readonly #leases = new Set<LivenessLease>();
  readonly #campaigns = new Set<EtcdLeadership>();
  #watcher?: Watcher;
  #watchBroken = false;
  /** Highest cluster revision seen in any answer: watches start after it. */
  #revision = 0;
  #closed = false;

  /** Creates the client without contacting etcd (see `EtcdKv.open`). */
  constructor(options: EtcdOptions, credentials?: IOptions["credentials"]) {
    if (options.endpoints.length === 0) throw new TypeError("No etcd endpoints given");
    const secure = credentials !== undefined;
    this.endpoints = options.endpoints.map((e) => e.replace(/^https?:\/\//, ""));
    const hosts = options.endpoints.map((e) =>
      /^https?:\/\//.test(e) ? e : `${secure ? "https" : "http"}://${e}`
    );
    const serverName = options.tls?.serverName;
    const ipHost = hosts.find((h) => /^https:\/\/(\[[0-9a-f:.]+\]|[0-9.]+):/i.test(h));
    if (ipHost && !serverName) {
      throw new TypeError(
        `etcd TLS endpoint "${ipHost}" is an IP address: use host names, or set the TLS server name (a name in etcd's certificate)`,
      );
    }
    if (ipHost && options.auth) {
      // etcd3 fetches the auth token on a channel of its own, without the server name override.
      throw new TypeError(
        `etcd TLS endpoint "${ipHost}" is an IP address: with user authentication, use host names`,
      );
    }
    const prefix = options.prefix ?? "/jumpstarter/";
    this.prefix = prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.timeoutMs = options.timeoutMs ?? 4000;
    this.#maxTxnOps = options.maxTxnOps ?? 128;
    this.description = `etcd://${this.endpoints.join(",")}${this.prefix}`;
    // A call on a connection to a member that just died can wait for its whole deadline, so
    // each attempt gets a short one and etcd3 retries on another member.
    const attemptMs = options.attemptTimeoutMs ?? Math.min(1000, this.timeoutMs);
    this.#client = new Etcd3({
      hosts,
      credentials,
      auth: options.auth,
      dialTimeout: this.timeoutMs,
      defaultCallOptions: (context) => context.isStream ? {} : { deadline: Date.now() + attemptMs },
      grpcOptions: {
        // Notice a silently dead member on long-lived watch and keep-alive streams.
        "grpc.keepalive_time_ms": 10_000,
        "grpc.keepalive_timeout_ms": 5_000,
        ...serverName ? { "grpc.ssl_target_name_override": serverName } : {},
      },
      faultHandling: {
        host: () => hostBreaker(3, 1000),
        watchBackoff: cappedBackoff(100, 1000),
      },
    });
  }

  /** Connects (reading TLS files) and checks that etcd answers; StoreUnavailableError if not. */
  static async open(options: EtcdOptions): Promise<EtcdKv> {
    let credentials: IOptions["credentials"];
    const { tls } = options;
    if (tls && (tls.ca || tls.cert || tls.key)) {
      if (!tls.ca) throw new TypeError("etcd TLS needs a CA file (tls.ca)");
      if (!!tls.cert !== !!tls.key) {
        throw new TypeError("etcd TLS client authentication needs both a cert and a key file");
      }
      const read = async (path: string, what: string) => {
        try {
          return Buffer.from(await Deno.readFile(path));
        } catch (error) {
          throw new TypeError(
            `Cannot read etcd TLS ${what} "${path}": ${(error as Error).message}`,
          );
        }
      };
      credentials = {
        rootCertificate: await read(tls.ca, "CA file"),
        privateKey: tls.key ? await read(tls.key, "key file") : undefined,
        certChain: tls.cert ? await read(tls.cert, "certificate file") : undefined,
      };
    }
    const store = new EtcdKv(options, credentials);
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

  #seen(header: IResponseHeader | undefined): void {
    const revision = Number(header?.revision ?? 0);
    if (revision > this.#revision) this.#revision = revision;
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

  /** Runs `op` within `timeoutMs`; etcd failures become StoreUnavailableError. */
  #bounded<T>(action: string, op: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new StoreUnavailableError(`Cannot ${action}: the etcd store is closed`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const fail = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const refused = this.#refused(action, error);
        if (refused) reject(refused);
        else void this.#unavailable(action, error).then(reject);
      };
      const timer = setTimeout(fail, this.timeoutMs);
      op().then((value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      }, fail);
    });
  }

  /** Failures that are no outage: conflicts, bad requests, refused credentials. */
  #refused(action: string, error: unknown): Error | undefined {
    if (error instanceof ConflictError || error instanceof TypeError) return error;
    if (error === undefined) return undefined;
    const message = firstLine(error);
    if (/request is too large|too many operations|duplicate key|lease not found/.test(message)) {
      return new Error(`Cannot ${action}: etcd refused the request: ${message}`, { cause: error });
    }
    if (
      /authentication failed|permission denied|invalid auth token|user name (not found|is empty)/
        .test(message)
    ) {
      return new StoreUnavailableError(
        `Cannot ${action}: etcd at ${
          this.endpoints.join(", ")
        } refused the credentials: ${message}`,
        { cause: error },
      );
    }
    return undefined;
  }

  /** An outage: says which endpoints accept connections, so an operator sees lost quorum. */
  async #unavailable(action: string, error: unknown): Promise<StoreUnavailableError> {
    const up = await Promise.all(this.endpoints.map((e) => accepts(e, 300)));
    const live = this.endpoints.filter((_, i) => up[i]);
    const dead = this.endpoints.filter((_, i) => !up[i]);
    const all = this.endpoints.join(", ");
    let why: string;
    if (live.length === 0) {
      why = `etcd cannot be reached: none of its endpoints (${all}) accepts connections`;
    } else if (dead.length > 0 && live.length <= this.endpoints.length / 2) {
      why =
        `etcd lost quorum: only ${live.length} of ${this.endpoints.length} members answer (up: ${
          live.join(", ")
        }; cannot be reached: ${dead.join(", ")})`;
    } else {
      why = `etcd lost quorum or is overloaded: ${
        dead.length ? `${dead.join(", ")} cannot be reached and ` : ""
      }${live.join(", ")} did not complete the call`;
    }
    const detail = error === undefined
      ? `no answer within ${this.timeoutMs / 1000} s`
      : firstLine(error);
    return new StoreUnavailableError(`Cannot ${action}: ${why} (${detail})`, { cause: error });
  }

  get<T>(key: string): Promise<Entry<T> | undefined> {
    return this.#bounded(`read "${key}" from etcd`, async () => {
      const res = await this.#client.kv.range({ key: this.#key(key) });
      this.#seen(res.header);
      return res.kvs.length ? this.#entry<T>(res.kvs[0]) : undefined;
    });
  }

  list<T>(prefix: string): Promise<Entry<T>[]> {
    return this.#bounded(`list "${prefix}" in etcd`, async () => {
      const end = prefixEnd(this.#key(prefix));
      const entries: Entry<T>[] = [];
      let start = this.#key(prefix);
      let revision: string | undefined;
      // Pages at one revision: a consistent snapshot of any size.
      for (;;) {
        const res = await this.#client.kv.range({
          key: start,
          range_end: end,
          limit: LIST_PAGE,
          revision,
        });
        this.#seen(res.header);
        revision ??= res.header.revision;
        for (const kv of res.kvs) entries.push(this.#entry<T>(kv));
        if (!res.more || res.kvs.length === 0) return entries;
        start = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
      }
    });
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
    // etcd refuses two writes to one key in a transaction; the last one wins, as in SQLite.
    const last = new Map<string, Write>();
    for (const w of writes) {
      const key = "put" in w ? w.put : w.delete;
      last.delete(key);
      last.set(key, w);
    }
    const ops = [...last.values()].map((w): IRequestOp =>
      "put" in w
        ? {
          request_put: {
            key: this.#key(w.put),
            value: Buffer.from(JSON.stringify(w.value)),
            lease,
          },
        }
        : { request_delete_range: { key: this.#key(w.delete) } }
    );
    const compare = guards.map((g): ICompare =>
      g.version === 0
        ? {
          key: this.#key(g.key),
          target: CompareTarget.Create,
          result: CompareResult.Equal,
          create_revision: "0",
        }
        : {
          key: this.#key(g.key),
          target: CompareTarget.Mod,
          result: CompareResult.Equal,
          mod_revision: String(g.version),
        }
    );
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
      revision = await this.#bounded("commit to etcd", async () => {
        const res = await this.#client.kv.txn({ compare, success: batch, failure: [] });
        this.#seen(res.header);
        if (!res.succeeded) throw new ConflictError();
        return Number(res.header.revision);
      });
    }
    return revision;
  }

  watch(prefix: string, onChange: (change: Change) => void): () => void {
    const watcher = { prefix, onChange };
    this.#watchers.add(watcher);
    this.#startWatch();
    return () => {
      this.#watchers.delete(watcher);
      if (this.#watchers.size === 0) this.#stopWatch();
    };
  }

  #notify(change: Change): void {
    for (const w of this.#watchers) {
      if (change.kind === "external" || change.key.startsWith(w.prefix)) w.onChange(change);
    }
  }

  #startWatch(): void {
    if (this.#watcher || this.#closed) return;
    const builder = this.#client.watch().prefix(this.prefix);
    if (this.#revision > 0) builder.startRevision(String(this.#revision + 1));
    const watcher = builder.watcher();
    this.#watcher = watcher;
    watcher.on("data", (res) => this.#seen(res.header));
    watcher.on("put", (kv) => {
      let entry: Entry;
      try {
        entry = this.#entry(kv);
      } catch {
        return; // not ours: a foreign non-JSON key under the prefix
      }
      this.#notify({ kind: "put", key: entry.key, value: entry.value, version: entry.version });
    });
    watcher.on("delete", (kv) => {
      this.#notify({ kind: "delete", key: kv.key.toString().slice(this.prefix.length) });
    });
    watcher.on("disconnected", () => this.#watchBroken = true);
    watcher.on("connected", () => {
      if (!this.#watchBroken) return;
      // Resumed after the last revision seen; the reload covers anything subtler.
      this.#watchBroken = false;
      this.#notify({ kind: "external" });
    });
    watcher.on("error", () => {
      // Cancelled by etcd (e.g. its start revision was compacted): start over from now.
      if (this.#watcher !== watcher) return;
      this.#watcher = undefined;
      this.#revision = 0;
      void watcher.cancel().catch(() => {});
      if (this.#watchers.size > 0) {
        this.#startWatch();
        this.#notify({ kind: "external" });
      }
    });
  }

  #stopWatch(): void {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    this.#watchBroken = false;
    if (watcher) void watcher.cancel().catch(() => {});
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
      id = await this.#bounded("grant an etcd lease", () => inner.grant());
    } catch (error) {
      inner.release();
      throw error;
    }
    const lease = new LivenessLease(id, ttlSeconds, inner, {
      commit: (writes, guards) => this.#commit(writes, guards, id),
      bounded: (action, op) => this.#bounded(action, op),
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
      bounded: (action, op) => this.#bounded(action, op),
      forget: () => this.#campaigns.delete(leadership),
    });
    this.#campaigns.add(leadership);
    return leadership;
  }

  /** Resigns campaigns, revokes leases (their keys go at once), stops watches, disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.allSettled([
      ...[...this.#campaigns].map((c) => c.resign()),
      ...[...this.#leases].map((l) => l.revoke()),
    ]);
    this.#closed = true;
    this.#watchers.clear();
    const watcher = this.#watcher;
    this.#watcher = undefined;
    if (watcher) await withTimeout(watcher.cancel(), 1000).catch(() => {});
    this.#client.close();
  }
}

const LIST_PAGE = 1000;

function firstLine(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  return message.split("\n")[0].replace(/ Resolution note:.*$/, "").trim();
}

/** True when `host:port` accepts a TCP connection within `ms`. */
async function accepts(endpoint: string, ms: number): Promise<boolean> {
  const at = endpoint.lastIndexOf(":");
  const hostname = endpoint.slice(0, at).replace(/^\[|\]$/g, "");
  const port = Number(endpoint.slice(at + 1));
  const connecting = Deno.connect({ hostname, port }).then((conn) => {
    conn.close();
    return true;
  }, () => false);
  return await withTimeout(connecting, ms) ?? false;
}

/** The first key after every key that starts with `key`. */
function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/**
 * Skips a member for `openMs` after `failures` failed calls in a row (etcd3's
 * default waits 5 s, which delays recovery after members return).
 */
function hostBreaker(failures: number, openMs: number): IPolicy {
  let failed = 0;
  let openUntil = 0;
  let last: unknown;
  return {
    async execute<T>(fn: (context: { signal: AbortSignal }) => Promise<T>): Promise<T> {
      // While open, fail at once with the member's last error (the one worth reporting).
      if (Date.now() < openUntil) throw last;
      try {
        const result = await fn({ signal: new AbortController().signal });
        failed = 0;
        return result;
      } catch (error) {
        if (isRecoverableError(error as Error) && ++failed >= failures) {
          openUntil = Date.now() + openMs;
          last = error;
        }
        throw error;
      }
    },
  };
}

/** Watch reconnects: doubling from `firstMs` up to `maxMs` (etcd3's default waits up to 30 s). */
function cappedBackoff(firstMs: number, maxMs: number): IBackoff {
  const at = (ms: number): IBackoff => ({
    duration: ms,
    next: () => at(Math.min(ms * 2, maxMs)),
  });
  return { duration: 0, next: () => at(firstMs) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
  ]).finally(() => clearTimeout(timer));
}

interface LeaseHooks {
  commit(writes: Write[], guards: Guard[]): Promise<number>;
  bounded<T>(action: string, op: () => Promise<T>): Promise<T>;
  forget(): void;
}

/** An etcd lease kept alive in the background, for keys that vanish with their owner. */
export class LivenessLease {
  readonly #listeners = new Set<(error: Error) => void>();
  readonly #inner: Lease;
  readonly #hooks: LeaseHooks;
  #lost = false;

  /** Made by `EtcdKv.lease()`. */
  constructor(readonly id: string, readonly ttlSeconds: number, inner: Lease, hooks: LeaseHooks) {
    this.#inner = inner;
    this.#hooks = hooks;
    inner.on("lost", (error) => {
      if (this.#lost) return;
      this.#lost = true;
      hooks.forget();
      for (const listener of this.#listeners) listener(error);
    });
  }

  /** False once the lease is lost, revoked or abandoned. */
  get alive(): boolean {
    return !this.#lost && !this.#inner.revoked();
  }

  /** Puts `key` bound to this lease (etcd deletes it when the lease ends); resolves to its version. */
  put(key: string, value: unknown): Promise<number> {
    return this.#hooks.commit([{ put: key, value }], []);
  }

  /** Like `EtcdKv.commit`, with every put bound to this lease. */
  commit(writes: Write[], guards: Guard[] = []): Promise<number> {
    return this.#hooks.commit(writes, guards);
  }

  /** Renews the lease now (it is also renewed every ttl/3 in the background). */
  async keepAliveOnce(): Promise<void> {
    await this.#hooks.bounded("renew an etcd lease", () => this.#inner.keepaliveOnce());
  }

  /** Called once if the lease is lost (it expired while etcd was unreachable): its keys are gone. */
  onLost(listener: (error: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends the lease now: its keys are deleted at once. */
  async revoke(): Promise<void> {
    this.#lost = true;
    this.#hooks.forget();
    await this.#hooks.bounded("revoke an etcd lease", () => this.#inner.revoke());
  }

  /** Stops renewing without revoking, as if the owner died: the keys go after the TTL. */
  abandon(): void {
    this.#lost = true;
    this.#hooks.forget();
    this.#inner.release();
  }
}

/** A candidacy in a leader election. */
export interface Leadership {
  readonly electionName: string;
  readonly replicaId: string;
  /** True while this candidate leads. */
  readonly isLeader: boolean;
  /** Called with `true` when elected and `false` when leadership is lost or resigned. */
  onChange(listener: (isLeader: boolean) => void): () => void;
  /** The replica id of the current leader (any candidate's view), if any. */
  leader(): Promise<string | undefined>;
  /** Withdraws: a leader steps down at once and another candidate is elected. */
  resign(): Promise<void>;
}

interface CampaignHooks {
  bounded<T>(action: string, op: () => Promise<T>): Promise<T>;
  forget(): void;
}

class EtcdLeadership implements Leadership {
  readonly #listeners = new Set<(isLeader: boolean) => void>();
  readonly #election;
  readonly #hooks: CampaignHooks;
  #campaign?: Campaign;
  #isLeader = false;
  #resigned = false;
  #retry?: ReturnType<typeof setTimeout>;

  constructor(
    root: Namespace,
    readonly electionName: string,
    readonly replicaId: string,
    ttlSeconds: number,
    hooks: CampaignHooks,
  ) {
    this.#hooks = hooks;
    this.#election = root.election(electionName, ttlSeconds);
    this.#start();
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  #set(isLeader: boolean): void {
    if (this.#isLeader === isLeader) return;
    this.#isLeader = isLeader;
    for (const listener of this.#listeners) listener(isLeader);
  }

  #start(): void {
    this.#retry = undefined;
    if (this.#resigned) return;
    const campaign = this.#election.campaign(this.replicaId);
    this.#campaign = campaign;
    campaign.on("elected", () => {
      if (this.#campaign === campaign && !this.#resigned) this.#set(true);
    });
    campaign.on("error", () => {
      if (this.#campaign !== campaign) return;
      this.#campaign = undefined;
      this.#set(false);
      void campaign.resign().catch(() => {});
      if (!this.#resigned) this.#retry = setTimeout(() => this.#start(), 1000);
    });
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  leader(): Promise<string | undefined> {
    return this.#hooks.bounded("read the election leader", () => this.#election.leader());
  }

  async resign(): Promise<void> {
    if (this.#resigned) return;
    this.#resigned = true;
    this.#hooks.forget();
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    const campaign = this.#campaign;
    this.#campaign = undefined;
    this.#set(false);
    if (campaign) await this.#hooks.bounded("resign from an election", () => campaign.resign());
  }
}
