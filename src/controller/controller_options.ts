/**
 * The controller's options: its tunables (lease retention, heartbeat
 * timeout, re-attach grace) with their defaults, how replicas coordinate,
 * and its logger.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Coordination } from "./coordination.ts";
import { DEFAULT_MAX_LEASE_MS } from "./limits.ts";
import type { OidcIssuer } from "./oidc_config.ts";

/** Tunables, mostly for tests. */
export interface ControllerOptions {
  /** How long ended leases are kept for history. */
  leaseRetentionMs?: number;
  /** Most ended leases kept. */
  leaseRetentionCount?: number;
  /** An exporter silent this long is offline (no PING on its link, no answer to ours). */
  heartbeatTimeoutMs?: number;
  /** After a controller restart, how long exporters have to re-attach before their leases are told. */
  reattachGraceMs?: number;
  /** The longest lease this controller gives (default 7 days). */
  maxLeaseMs?: number;
  /**
   * A lease whose client asked for a keepalive is ended when that client
   * sends none for this long (default 60 s).
   */
  clientKeepaliveTimeoutMs?: number;
  /** Leadership and ephemeral keys when replicas share the store (default: one replica). */
  coordination?: Coordination;
  /** OpenID Connect issuers whose tokens are accepted as client identities (`--auth-config`). */
  oidc?: OidcIssuer[];
  log?: Logger;
}

/** Every tunable, set. */
export type ControllerTunables = Required<Omit<ControllerOptions, "log" | "coordination" | "oidc">>;

/** The tunables of `options`, with defaults for those it leaves out. */
export function controllerTunables(options: ControllerOptions): ControllerTunables {
  return {
    leaseRetentionMs: options.leaseRetentionMs ?? 7 * 24 * 3600_000,
    leaseRetentionCount: options.leaseRetentionCount ?? 10_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 180_000,
    reattachGraceMs: options.reattachGraceMs ?? 30_000,
    maxLeaseMs: options.maxLeaseMs ?? DEFAULT_MAX_LEASE_MS,
    clientKeepaliveTimeoutMs: options.clientKeepaliveTimeoutMs ?? 60_000,
  };
}
