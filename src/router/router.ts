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
import type { Socket } from "node:net";
import { FrameType } from "../gen/jumpstarter/v1/router_pb.ts";
import { type Frame, GOAWAY_FRAME, MAX_FRAME, PING_FRAME } from "../transport/frames.ts";
import type { ByteConn } from "../transport/byte_conn.ts";
import { spliceConns } from "../transport/splice_conns.ts";
import { spliceConn } from "./socket_conn.ts";
import { writeAll } from "../driver/stream.ts";

/** Claims of a verified stream token: which side of which lease's stream it opens. */
export interface StreamClaims {
  streamId: string;
  jti: string;
  lease: string;
  namespace: string;
  side: "client" | "exporter";
  expiresAt: number;
}

/** What the router needs from the controller. */
export interface RouterAuthority {
  verifyStreamToken(token: string): Promise<StreamClaims>;
  /** True while streams of this lease may run. */
  leaseActive(namespace: string, lease: string): boolean;
}

interface Side {
  claims: StreamClaims;
  /** Frames from a gRPC side; absent for a raw side. */
  requests?: AsyncIterable<StreamRequest>;
  /** The connection of a raw side (a `JMPSPLICE1` connection). */
  conn?: ByteConn;
  /** Resolved when whoever splices a raw side is done with its connection. */
  done?: PromiseWithResolvers<void>;
  cut: AbortController;
  peer: PromiseWithResolvers<Side>;
}

/** First line of a raw splice connection: `JMPSPLICE1 <stream token>\n`. */
export const RAW_SPLICE_HELLO = "JMPSPLICE1 ";
/** The router's answer once the token is accepted. */
export const RAW_SPLICE_OK = "JMPSPLICE1 OK\n";

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
      throw new ConnectError("Stream token already used", Code.Unauthenticated);
    }
    this.#usedTokens.set(claims.jti, claims.expiresAt);
  }

  /** Admits a stream token: valid, not used before (it is used up now), its lease active. */
  async #admit(token: string): Promise<StreamClaims> {
    try {
      let claims: StreamClaims;
      try {
        claims = await this.authority.verifyStreamToken(token);
      } catch (error) {
        throw new ConnectError((error as Error).message, Code.Unauthenticated);
      }
      this.#consumeToken(claims);
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
  #join(me: Side): string {
    const leaseKey = `${me.claims.namespace}/${me.claims.lease}`;
    const group = this.#byLease.get(leaseKey) ?? new Set();
    group.add(me);
    this.#byLease.set(leaseKey, group);
    this.stats.active++;
    return leaseKey;
  }

  /** Counts a side out; ending one side ends the other. */
  #leave(me: Side, leaseKey: string): void {
    this.stats.active--;
    const group = this.#byLease.get(leaseKey);
    group?.delete(me);
    if (group?.size === 0) this.#byLease.delete(leaseKey);
    if (this.#waiting.get(me.claims.streamId) === me) this.#waiting.delete(me.claims.streamId);
    me.cut.abort(new ConnectError("Stream closed: the peer ended", Code.Canceled));
  }

  #countBytes(leaseKey: string, bytes: number): void {
    this.stats.bytesByLease.set(leaseKey, (this.stats.bytesByLease.get(leaseKey) ?? 0) + bytes);
  }

  /** The RouterService.Stream handler. */
  async *stream(
    requests: AsyncIterable<StreamRequest>,
    ctx: HandlerContext,
  ): AsyncGenerator<Frame> {
    const token = ctx.requestHeader.get("authorization")?.replace(/^Bearer\s+/i, "");
    if (!token) throw new ConnectError("Missing stream token", Code.Unauthenticated);
    const me: Side = {
      claims: await this.#admit(token),
      requests,
      cut: new AbortController(),
      peer: Promise.withResolvers(),
    };
    const leaseKey = this.#join(me);
    const onAbort = () => me.cut.abort(ctx.signal.reason);
    ctx.signal.addEventListener("abort", onAbort);
    try {
      // Headers go out now: upstream peers wait for them before sending.
      yield PING_FRAME;
      const peer = await this.#pair(me);
      if (peer.conn) yield* this.#bridge(peer, me, leaseKey);
      else yield* this.#splice(peer, me, leaseKey);
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      this.#leave(me, leaseKey);
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

  /**
   * Serves a raw splice connection (the fast path between our own clients and
   * exporters: no HTTP/2 framing, no protobuf per chunk). The first line
   * carries the stream token; the rest are the stream's bytes. The peer may
   * be raw (the sockets are piped) or a gRPC Stream (bridged frame by frame).
   */
  async acceptRaw(socket: Socket): Promise<void> {
    socket.on("error", () => {});
    let claims: StreamClaims;
    try {
      const line = await readLine(socket, 8192);
      if (!line.startsWith(RAW_SPLICE_HELLO)) throw new Error("not a splice request");
      claims = await this.#admit(line.slice(RAW_SPLICE_HELLO.length).trim());
    } catch (error) {
      // `#admit` counted its own refusals.
      if (!(error instanceof ConnectError)) this.stats.refused++;
      const reason = error instanceof ConnectError ? error.rawMessage : (error as Error).message;
      socket.end(`JMPSPLICE1 ERROR ${reason.replaceAll("\n", " ")}\n`);
      return;
    }
    // Taken before answering: our peers send nothing more until they read the answer.
    const conn = spliceConn(socket);
    const me: Side = {
      claims,
      conn,
      done: Promise.withResolvers(),
      cut: new AbortController(),
      peer: Promise.withResolvers(),
    };
    const leaseKey = this.#join(me);
    me.cut.signal.addEventListener("abort", () => conn.close(), { once: true });
    try {
      await writeAll(conn, encoder.encode(RAW_SPLICE_OK));
      const peer = await this.#pair(me);
      if (peer.conn && claims.side === "client") {
        // Both ours: bytes go straight through, each direction a read/write loop
        // (the socket buffers are the backpressure). The client's side splices;
        // the exporter's side waits until it is done.
        this.#countBytes(leaseKey, await spliceConns(conn, peer.conn));
        peer.done!.resolve();
      } else {
        // The gRPC side (or the raw client side) splices; this side lives until it is done.
        await Promise.race([me.done!.promise, cutOf(me)]);
      }
    } catch {
      // Pairing timed out, the lease was cut, or the peer went away.
    } finally {
      this.#leave(me, leaseKey);
      conn.close();
    }
  }

  /** Bridges my gRPC stream with a raw peer: its bytes become my DATA frames and mine its bytes. */
  async *#bridge(peer: Side, me: Side, leaseKey: string): AsyncGenerator<Frame> {
    const conn = peer.conn!;
    const cut = () => conn.close();
    const signal = AbortSignal.any([me.cut.signal, peer.cut.signal]);
    signal.addEventListener("abort", cut, { once: true });
    const pump = (async () => {
      try {
        for await (const frame of me.requests!) {
          if (frame.frameType === FrameType.DATA && frame.payload.byteLength > 0) {
            await writeAll(conn, frame.payload);
          } else if (frame.frameType === FrameType.GOAWAY) break;
          else if (frame.frameType === FrameType.RST_STREAM) return conn.close();
        }
        // Either side ending ends the stream (as between two gRPC sides): flush, then close.
        await conn.closeWrite();
      } catch {
        // The peer or the lease ended.
      }
      conn.close();
    })();
    let bytes = 0;
    try {
      while (true) {
        const buffer = new Uint8Array(MAX_FRAME);
        let n: number | null;
        try {
          n = await conn.read(buffer);
        } catch {
          // A connection closed under us (the peer or the lease ended) is the end of its data.
          n = null;
        }
        if (n === null) break;
        bytes += n;
        yield { payload: buffer.subarray(0, n), frameType: FrameType.DATA };
      }
      yield GOAWAY_FRAME;
    } finally {
      signal.removeEventListener("abort", cut);
      conn.close();
      void pump;
      peer.done?.resolve();
      this.#countBytes(leaseKey, bytes);
    }
  }

  /** Yields the peer's frames to me until either side ends or is cut. */
  async *#splice(peer: Side, me: Side, leaseKey: string): AsyncGenerator<Frame> {
    const iterator = peer.requests![Symbol.asyncIterator]();
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
      this.#countBytes(leaseKey, bytes);
    }
  }
}

/** Reads one `\n`-terminated line from a socket, leaving the rest unread. */
function readLine(socket: Socket, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = new Uint8Array(0);
    const timer = setTimeout(() => finish(new Error("no splice request within 10 s")), 10_000);
    const finish = (error?: Error, line?: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve(line!);
    };
    const onClose = () => finish(new Error("closed before the splice request"));
    const onData = (chunk: Uint8Array) => {
      const joined = new Uint8Array(buffered.byteLength + chunk.byteLength);
      joined.set(buffered);
      joined.set(chunk, buffered.byteLength);
      buffered = joined;
      const newline = buffered.indexOf(10);
      if (newline === -1) {
        if (buffered.byteLength > max) finish(new Error("splice request too long"));
        return;
      }
      socket.pause();
      const rest = buffered.subarray(newline + 1);
      if (rest.byteLength > 0) socket.unshift(rest);
      finish(undefined, new TextDecoder().decode(buffered.subarray(0, newline)));
    };
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}

/** Rejects once the side is cut. */
function cutOf(side: Side): Promise<never> {
  return new Promise((_, reject) => {
    if (side.cut.signal.aborted) return reject(side.cut.signal.reason);
    side.cut.signal.addEventListener("abort", () => reject(side.cut.signal.reason), { once: true });
  });
}

const encoder = new TextEncoder();
