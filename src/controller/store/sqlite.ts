/**
 * The embedded store: one SQLite file (`node:sqlite`, WAL) in the
 * controller's data directory. No server to install; survives restarts.
 * Writes by another process (the `controller admin` CLI) are noticed through
 * `PRAGMA data_version` and reported to watchers as external changes.
 *
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  type Change,
  ConflictError,
  type Entry,
  type Guard,
  type KvStore,
  type Write,
} from "./kv.ts";
import { migrateSchema } from "./sqlite_schema.ts";

/**
 * Makes the store file mode 0600 before SQLite opens it (it holds the signing
 * key; SQLite gives its -wal and -shm files the same mode), and refuses an
 * empty one: a store that lost its content would start with a new signing
 * key and invalidate every token.
 */
function claimFile(path: string): void {
  let size: number | undefined;
  try {
    size = Deno.statSync(path).size;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (size === undefined) {
    Deno.openSync(path, { write: true, createNew: true, mode: 0o600 }).close();
    return;
  }
  if (size === 0) {
    throw new TypeError(
      `Store file "${path}" is empty (0 bytes): it holds no signing key. Restore it from a backup, or remove it to start a new controller (every issued token then stops working)`,
    );
  }
  Deno.chmodSync(path, 0o600);
}

/** A KvStore in a SQLite file. */
export class SqliteKv implements KvStore {
  readonly description: string;
  readonly #db: DatabaseSync;
  readonly #watchers = new Set<{ prefix: string; onChange: (c: Change) => void }>();
  readonly #get: StatementSync;
  readonly #list: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #version: StatementSync;
  readonly #revision: StatementSync;
  readonly #pragmaDataVersion: StatementSync;
  #dataVersion: number;
  #poll?: ReturnType<typeof setInterval>;

  constructor(readonly path: string) {
    this.description = `sqlite:${path}`;
    claimFile(path);
    this.#db = new DatabaseSync(path);
    this.#db.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
    );
    migrateSchema(this.#db, path);
    this.#get = this.#db.prepare("SELECT value, version FROM kv WHERE key = ?");
    this.#list = this.#db.prepare(
      "SELECT key, value, version FROM kv WHERE key >= ? AND key < ? ORDER BY key",
    );
    this.#put = this.#db.prepare(
      "INSERT INTO kv (key, value, version) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version",
    );
    this.#revision = this.#db.prepare(
      "INSERT INTO meta (key, value) VALUES ('revision', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT) RETURNING value",
    );
    this.#delete = this.#db.prepare("DELETE FROM kv WHERE key = ?");
    this.#version = this.#db.prepare("SELECT version FROM kv WHERE key = ?");
    // Read on every authenticated call (pollExternal): prepared once.
    this.#pragmaDataVersion = this.#db.prepare("PRAGMA data_version");
    this.#dataVersion = this.#readDataVersion();
  }

  #readDataVersion(): number {
    return (this.#pragmaDataVersion.get() as { data_version: number }).data_version;
  }

  get<T>(key: string): Promise<Entry<T> | undefined> {
    const row = this.#get.get(key) as { value: string; version: number } | undefined;
    return Promise.resolve(
      row ? { key, value: JSON.parse(row.value), version: Number(row.version) } : undefined,
    );
  }

  list<T>(prefix: string): Promise<Entry<T>[]> {
    const rows = this.#list.all(prefix, prefix + "\uffff") as {
      key: string;
      value: string;
      version: number;
    }[];
    return Promise.resolve(
      rows.map((r) => ({ key: r.key, value: JSON.parse(r.value), version: Number(r.version) })),
    );
  }

  commit(writes: Write[], guards: Guard[] = []): Promise<number> {
    const changes: Change[] = [];
    let revision: number;
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const guard of guards) {
        const row = this.#version.get(guard.key) as { version: number } | undefined;
        if ((row ? Number(row.version) : 0) !== guard.version) throw new ConflictError();
      }
      // One revision per commit, growing across keys (as etcd's revisions do).
      revision = Number((this.#revision.get() as { value: string }).value);
      for (const write of writes) {
        if ("put" in write) {
          this.#put.run(write.put, JSON.stringify(write.value), revision);
          changes.push({ kind: "put", key: write.put, value: write.value, version: revision });
        } else {
          this.#delete.run(write.delete);
          changes.push({ kind: "delete", key: write.delete });
        }
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      return Promise.reject(error);
    }
    this.#dataVersion = this.#readDataVersion();
    for (const change of changes) this.#notify(change);
    return Promise.resolve(revision);
  }

  #notify(change: Change): void {
    for (const watcher of this.#watchers) {
      if (change.kind === "external" || change.key.startsWith(watcher.prefix)) {
        watcher.onChange(change);
      }
    }
  }

  /** Checks for writes by other processes now (also done every 250 ms while watched). */
  pollExternal(): boolean {
    const now = this.#readDataVersion();
    if (now === this.#dataVersion) return false;
    this.#dataVersion = now;
    this.#notify({ kind: "external" });
    return true;
  }

  watch(prefix: string, onChange: (change: Change) => void): () => void {
    const watcher = { prefix, onChange };
    this.#watchers.add(watcher);
    this.#poll ??= setInterval(() => this.pollExternal(), 250);
    return () => {
      this.#watchers.delete(watcher);
      if (this.#watchers.size === 0 && this.#poll !== undefined) {
        clearInterval(this.#poll);
        this.#poll = undefined;
      }
    };
  }

  close(): Promise<void> {
    if (this.#poll !== undefined) clearInterval(this.#poll);
    this.#poll = undefined;
    this.#watchers.clear();
    this.#db.close();
    return Promise.resolve();
  }
}
