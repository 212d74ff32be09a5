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
 * The parts: `etcd_kv.ts` (the store), `etcd_connection.ts` (options, TLS,
 * client), `etcd_calls.ts` (time bounds, failures), `etcd_watch.ts`,
 * `etcd_liveness.ts` (liveness leases) and `etcd_leadership.ts` (elections).
 *
 * @module
 */
export { EtcdKv } from "./etcd_kv.ts";
export type { EtcdOptions } from "./etcd_connection.ts";
export { LivenessLease } from "./etcd_liveness.ts";
export type { Leadership } from "./etcd_leadership.ts";
