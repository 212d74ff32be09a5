/**
 * Pairing router streams: admitting a side by its single-use token, keeping
 * each side under its lease (so the lease's end cuts it), matching the
 * client and exporter sides of one stream within a timeout, and the
 * counters.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { RouterAuthority, StreamClaims } from "./authority.ts";
import type { Side } from "./side.ts";
import { UsedTokens } from "./used_tokens.ts";

/** Counters for metrics. */
export interface RouterStats {
  active: number;
  paired: number;
  refused: number;
  timedOut: number;
  bytesByLease: Map<string, number>;
}

/** The sides waiting for a peer, the sides of each lease, and the counters. */
export class Pairing {
  readonly #waiting = new Map<string, Side>();
  readonly #byLease = new Map<string, Set<Side>>();
  readonly #usedTokens = new UsedTokens();
  readonly stats: RouterStats = {
    active: 0,
    paired: 0,
    refused: 0,
    timedOut: 0,
    bytesByLease: new Map(),
  };

  constructor(readonly authority: RouterAuthority, readonly timeoutMs: number) {}

  /** Cuts every stream of a lease (it ended or its exporter went away). */
  cutLease(namespace: string, lease: string, reason: string): void {
    for (const side of this.#byLease.get(`${namespace}/${lease}`) ?? []) {
      side.cut.abort(new ConnectError(`Stream closed: ${reason}`, Code.Unavailable));
    }
  }

  /** Admits a stream token: valid, not used before (it is used up now), its lease active. */
  async admit(token: string): Promise<StreamClaims> {
    try {
      let claims: StreamClaims;
      try {
        claims = await this.authority.verifyStreamToken(token);
      } catch (error) {
        throw new ConnectError((error as Error).message, Code.Unauthenticated);
      }
      this.#usedTokens.consume(claims);
      if (!this.authority.leaseActive(claims.namespace, claims.lease)) {
        throw new ConnectError(`Lease "${claims.lease}" is not active`, Code.FailedPrecondition);
      }
      return claims;
    } catch (error) {
      this.stats.refused++;
      throw error;
    }
  }

  /** Counts a side in, under its lease (so `cutLease` reaches it); returns the lease key. */
  join(me: Side): string {
    const leaseKey = `${me.claims.namespace}/${me.claims.lease}`;
    const group = this.#byLease.get(leaseKey) ?? new Set();
    group.add(me);
    this.#byLease.set(leaseKey, group);
    this.stats.active++;
    return leaseKey;
  }

  /** Counts a side out; ending one side ends the other. */
  leave(me: Side, leaseKey: string): void {
    this.stats.active--;
    const group = this.#byLease.get(leaseKey);
    group?.delete(me);
    if (group?.size === 0) this.#byLease.delete(leaseKey);
    if (this.#waiting.get(me.claims.streamId) === me) this.#waiting.delete(me.claims.streamId);
    me.cut.abort(new ConnectError("Stream closed: the peer ended", Code.Canceled));
  }

  countBytes(leaseKey: string, bytes: number): void {
    this.stats.bytesByLease.set(leaseKey, (this.stats.bytesByLease.get(leaseKey) ?? 0) + bytes);
  }

  /** Pairs `me` with the other side of its stream, waiting for it up to the timeout. */
  async pair(me: Side): Promise<Side> {
    const id = me.claims.streamId;
    const other = this.#waiting.get(id);
    if (other) {
      if (other.claims.side === me.claims.side) {
        throw new ConnectError(
          `A ${me.claims.side} is already connected to this stream`,
          Code.AlreadyExists,
        );
      }
      this.#waiting.delete(id);
      other.peer.resolve(me);
      this.stats.paired++;
      return other;
    }
    this.#waiting.set(id, me);
    const timeout = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => {
        this.stats.timedOut++;
        reject(
          new ConnectError(
            `No peer connected within ${this.timeoutMs / 1000} s`,
            Code.DeadlineExceeded,
          ),
        );
      }, this.timeoutMs);
      me.peer.promise.finally(() => clearTimeout(timer)).catch(() => {});
      me.cut.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(me.cut.signal.reason);
      }, { once: true });
    });
    return await Promise.race([me.peer.promise, timeout]);
  }
}
