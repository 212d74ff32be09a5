/**
 * The etcd store's one watch stream over its whole prefix, shared by every
 * watcher: it resumes after the last revision seen and, after a reconnect
 * or a compaction, tells watchers to reload (`external`).
 *
 * @module
 */
// @ts-types="./_etcd3.d.ts"
import type { Etcd3, IKeyValue, IResponseHeader, Watcher } from "etcd3";
import { withTimeout } from "./etcd_calls.ts";
import type { Change, Entry } from "./kv.ts";

/** Watchers of one store, served from one etcd watch. */
export class EtcdWatch {
  readonly #watchers = new Set<{ prefix: string; onChange: (c: Change) => void }>();
  #watcher?: Watcher;
  #broken = false;
  /** Highest cluster revision seen in any answer: watches start after it. */
  #revision = 0;
  #closed = false;

  /** `entry` reads a data key's document (TypeError if it is not JSON). */
  constructor(
    readonly client: Etcd3,
    readonly prefix: string,
    readonly entry: (kv: IKeyValue) => Entry,
  ) {}

  /** Notes the revision of an answer, so a (re)started watch misses nothing after it. */
  seen(header: IResponseHeader | undefined): void {
    const revision = Number(header?.revision ?? 0);
    if (revision > this.#revision) this.#revision = revision;
  }

  /** Calls `onChange` for changes under `prefix` (of the data keys); returns a function that stops. */
  add(prefix: string, onChange: (change: Change) => void): () => void {
    const watcher = { prefix, onChange };
    this.#watchers.add(watcher);
    this.#start();
    return () => {
      this.#watchers.delete(watcher);
      if (this.#watchers.size === 0) this.#stop();
    };
  }

  #notify(change: Change): void {
    for (const w of this.#watchers) {
      if (change.kind === "external" || change.key.startsWith(w.prefix)) w.onChange(change);
    }
  }

  #start(): void {
    if (this.#watcher || this.#closed) return;
    const builder = this.client.watch().prefix(this.prefix);
    if (this.#revision > 0) builder.startRevision(String(this.#revision + 1));
    const watcher = builder.watcher();
    this.#watcher = watcher;
    watcher.on("data", (res) => this.seen(res.header));
    watcher.on("put", (kv) => {
      let entry: Entry;
      try {
        entry = this.entry(kv);
      } catch {
        return; // not ours: a foreign non-JSON key under the prefix
      }
      this.#notify({ kind: "put", key: entry.key, value: entry.value, version: entry.version });
    });
    watcher.on("delete", (kv) => {
      this.#notify({ kind: "delete", key: kv.key.toString().slice(this.prefix.length) });
    });
    watcher.on("disconnected", () => this.#broken = true);
    watcher.on("connected", () => {
      if (!this.#broken) return;
      // Resumed after the last revision seen; the reload covers anything subtler.
      this.#broken = false;
      this.#notify({ kind: "external" });
    });
    watcher.on("error", () => {
      // Cancelled by etcd (e.g. its start revision was compacted): start over from now.
      if (this.#watcher !== watcher) return;
      this.#watcher = undefined;
      this.#revision = 0;
      void watcher.cancel().catch(() => {});
      if (this.#watchers.size > 0) {
        this.#start();
        this.#notify({ kind: "external" });
      }
    });
  }

  #stop(): void {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    this.#broken = false;
    if (watcher) void watcher.cancel().catch(() => {});
  }

  /** Stops every watcher and cancels the stream. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watchers.clear();
    const watcher = this.#watcher;
    this.#watcher = undefined;
    if (watcher) await withTimeout(watcher.cancel(), 1000).catch(() => {});
  }
}
