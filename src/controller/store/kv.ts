/**
 * The controller's storage seam: a versioned key-value store with
 * compare-and-set transactions and change notifications. The embedded SQLite
 * store implements it for one controller; an etcd store implements the same
 * interface for several replicas (etcd's mod revisions are the versions).
 *
 * Values are JSON documents. Keys are `/`-separated paths such as
 * `leases/default/lease-0001`.
 *
 * @module
 */

/** One stored document. */
export interface Entry<T = unknown> {
  key: string;
  value: T;
  /** Changes on every write of this key; 0 means "absent" in comparisons. */
  version: number;
}

/** One write in a transaction. */
export type Write =
  | { put: string; value: unknown }
  | { delete: string };

/** A condition a transaction checks before writing: the key's current version. */
export interface Guard {
  key: string;
  /** Expected version; 0 means the key must not exist. */
  version: number;
}

/** A change seen by a watcher. `external` when made by another process (reload everything). */
export type Change =
  | { kind: "put"; key: string; value: unknown; version: number }
  | { kind: "delete"; key: string }
  | { kind: "external" };

/** Raised when a guarded transaction lost a race. */
export class ConflictError extends Error {
  constructor(message = "The stored value changed meanwhile; retry") {
    super(message);
    this.name = "ConflictError";
  }
}

/** Raised when the store cannot be written (e.g. etcd lost quorum). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/** The storage seam. */
export interface KvStore {
  /** Short description for logs and health (`sqlite:/var/lib/x/controller.db`). */
  readonly description: string;
  get<T>(key: string): Promise<Entry<T> | undefined>;
  /** Every entry whose key starts with `prefix`, ordered by key. */
  list<T>(prefix: string): Promise<Entry<T>[]>;
  /**
   * Applies every write if every guard holds, else throws ConflictError.
   * Resolves to the store revision of the commit: the new version of every
   * key it put. Revisions only grow, so a change with a lower version than
   * one already seen is an old one.
   */
  commit(writes: Write[], guards?: Guard[]): Promise<number>;
  /** Calls `onChange` for changes under `prefix`; returns a function that stops. */
  watch(prefix: string, onChange: (change: Change) => void): () => void;
  close(): Promise<void>;
}

/** Puts one document, optionally only if its version is still `ifVersion`. */
export async function put(
  store: KvStore,
  key: string,
  value: unknown,
  ifVersion?: number,
): Promise<void> {
  await store.commit(
    [{ put: key, value }],
    ifVersion === undefined ? [] : [{ key, version: ifVersion }],
  );
}
