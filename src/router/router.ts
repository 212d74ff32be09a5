/**
 * The router: pairs a client's and an exporter's RouterService.Stream calls
 * that present tokens for the same stream, then splices their frames both
 * ways. Tokens are single-use; an unpaired side is closed after a timeout;
 * both sides are cut when either ends or the lease ends.
 *
 * @module
 */
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { StreamRequest } from "../gen/jumpstarter/v1/router_pb.ts";
import { type Frame, PING_FRAME } from "../transport/frames.ts";
import type { StreamClaims } from "../controller/auth.ts";

/** What the router needs from the controller. */
export interface RouterAuthority {
  verifyStreamToken(token: string): Promise<StreamClaims>;
  /** True while streams of this lease may run. */
  leaseActive(namespace: string, lease: string): boolean;
}

interface Side {
  claims: StreamClaims;
  requests: AsyncIterable<StreamRequest>;
  cut: AbortController;
  peer: PromiseWithResolvers<Side>;
}

/** Counters for metrics. */
export interface RouterStats {
  active: number;
  paired: number;
  refused: number;
  timedOut: number;
  bytesByLease: Map<string, number>;
}

/** Pairs and splices router streams. */
export class RouterPairing {
  readonly #waiting = new Map<string, Side>();
  readonly #byLease = new Map<string, Set<Side>>();
  readonly #usedTokens = new Map<string, number>();
  readonly stats: RouterStats = {
    active: 0,
    paired: 0,
    refused: 0,
    timedOut: 0,
    bytesByLease: new Map(),
  };

  constructor(readonly authority: RouterAuthority, readonly pairingTimeoutMs = 30_000) {}

  /** Cuts every stream of a lease (it ended or its exporter went away). */
  cutLease(namespace: string, lease: string, reason: string): void {
    for (const side of this.#byLease.get(`${namespace}/${lease}`) ?? []) {
      side.cut.abort(new ConnectError(`Stream closed: ${reason}`, Code.Unavailable));
    }
  }

  #consumeToken(claims: StreamClaims): void {
    const now = Date.now();
    if (this.#usedTokens.size > 1000) {
      for (const [jti, expires] of this.#usedTokens) {
        if (expires < now) this.#usedTokens.delete(jti);
      }
    }
    if (this.#usedTokens.has(claims.jti)) {
      this.stats.refused++;
      throw new ConnectError("Stream token already used", Code.Unauthenticated);
    }
    this.#usedTokens.set(claims.jti, claims.expiresAt);
  }

  /** The RouterService.Stream handler. */
  async *stream(
    requests: AsyncIterable<StreamRequest>,
    ctx: HandlerContext,
  ): AsyncGenerator<Frame> {
    const token = ctx.requestHeader.get("authorization")?.replace(/^Bearer\s+/i, "");
    if (!token) throw new ConnectError("Missing stream token", Code.Unauthenticated);
    let claims: StreamClaims;
    try {
      claims = await this.authority.verifyStreamToken(token);
    } catch (error) {
      this.stats.refused++;
      throw new ConnectError((error as Error).message, Code.Unauthenticated);
    }
    this.#consumeToken(claims);
    if (!this.authority.leaseActive(claims.namespace, claims.lease)) {
      this.stats.refused++;
      throw new ConnectError(`Lease "${claims.lease}" is not active`, Code.FailedPrecondition);
    }
    const me: Side = {
      claims,
      requests,
      cut: new AbortController(),
      peer: Promise.withResolvers(),
    };
    const leaseKey = `${claims.namespace}/${claims.lease}`;
    const group = this.#byLease.get(leaseKey) ?? new Set();
    group.add(me);
    this.#byLease.set(leaseKey, group);
    this.stats.active++;
    const onAbort = () => me.cut.abort(ctx.signal.reason);
    ctx.signal.addEventListener("abort", onAbort);
    try {
      // Headers go out now: upstream peers wait for them before sending.
      yield PING_FRAME;
      const peer = await this.#pair(me);
      yield* this.#splice(peer, me, leaseKey);
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      this.stats.active--;
      group.delete(me);
      if (group.size === 0) this.#byLease.delete(leaseKey);
      if (this.#waiting.get(claims.streamId) === me) this.#waiting.delete(claims.streamId);
      // Ending one side ends the other.
      me.cut.abort(new ConnectError("Stream closed: the peer ended", Code.Canceled));
    }
  }

  async #pair(me: Side): Promise<Side> {
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
            `No peer connected within ${this.pairingTimeoutMs / 1000} s`,
            Code.DeadlineExceeded,
          ),
        );
      }, this.pairingTimeoutMs);
      me.peer.promise.finally(() => clearTimeout(timer)).catch(() => {});
      me.cut.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(me.cut.signal.reason);
      }, { once: true });
    });
    return await Promise.race([me.peer.promise, timeout]);
  }

  /** Yields the peer's frames to me until either side ends or is cut. */
  async *#splice(peer: Side, me: Side, leaseKey: string): AsyncGenerator<Frame> {
    const iterator = peer.requests[Symbol.asyncIterator]();
    const cut = new Promise<never>((_, reject) => {
      const stop = () => reject(me.cut.signal.reason ?? peer.cut.signal.reason);
      if (me.cut.signal.aborted || peer.cut.signal.aborted) return stop();
      me.cut.signal.addEventListener("abort", stop, { once: true });
      peer.cut.signal.addEventListener("abort", stop, { once: true });
    });
    cut.catch(() => {});
    let bytes = 0;
    try {
      while (true) {
        const next = await Promise.race([iterator.next(), cut]);
        if (next.done) return;
        bytes += next.value.payload.byteLength;
        yield next.value;
      }
    } catch (error) {
      // A peer that ended cleanly ends this side cleanly too.
      if (error instanceof ConnectError && error.code === Code.Canceled) return;
      throw error;
    } finally {
      void iterator.return?.()?.catch?.(() => {});
      this.stats.bytesByLease.set(leaseKey, (this.stats.bytesByLease.get(leaseKey) ?? 0) + bytes);
    }
  }
}
