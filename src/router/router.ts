/**
 * The router: pairs a client's and an exporter's RouterService.Stream calls
 * that present tokens for the same stream, then splices their frames both
 * ways. Tokens are single-use; an unpaired side is closed after a timeout;
 * both sides are cut when either ends or the lease ends.
 *
 * A side is a gRPC Stream call (`stream`) or a raw splice connection
 * (`acceptRaw`); `pairing.ts` pairs them, `frame_splice.ts` joins two gRPC
 * sides, `raw_bridge.ts` a gRPC side with a raw one, and two raw sides are
 * spliced socket to socket.
 *
 * @module
 */
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { Socket } from "node:net";
import type { ByteConn } from "../transport/byte_conn.ts";
import type { StreamRequest } from "../gen/jumpstarter/v1/router_pb.ts";
import { writeAll } from "../driver/write_all.ts";
import { type Frame, PING_FRAME } from "../transport/frames.ts";
import { spliceConns } from "../transport/splice_conns.ts";
import type { RouterAuthority, StreamClaims } from "./authority.ts";
import { spliceFrames } from "./frame_splice.ts";
import { Pairing, type RouterStats } from "./pairing.ts";
import { bridgeRaw } from "./raw_bridge.ts";
import { cutOf, type Side } from "./side.ts";
import { spliceConn } from "./socket_conn.ts";
import { RAW_SPLICE_HELLO, RAW_SPLICE_OK, readLine, readLineFrom } from "./splice_request.ts";

const encoder = new TextEncoder();

/** Pairs and splices router streams. */
export class RouterPairing {
  readonly #pairing: Pairing;
  /** Counters for metrics. */
  readonly stats: RouterStats;

  constructor(readonly authority: RouterAuthority, readonly pairingTimeoutMs = 30_000) {
    this.#pairing = new Pairing(authority, pairingTimeoutMs);
    this.stats = this.#pairing.stats;
  }

  /** Cuts every stream of a lease (it ended or its exporter went away). */
  cutLease(namespace: string, lease: string, reason: string): void {
    this.#pairing.cutLease(namespace, lease, reason);
  }

  /** The RouterService.Stream handler. */
  async *stream(
    requests: AsyncIterable<StreamRequest>,
    ctx: HandlerContext,
  ): AsyncGenerator<Frame> {
    const token = ctx.requestHeader.get("authorization")?.replace(/^Bearer\s+/i, "");
    if (!token) throw new ConnectError("Missing stream token", Code.Unauthenticated);
    const me: Side = {
      claims: await this.#pairing.admit(token),
      requests,
      cut: new AbortController(),
      peer: Promise.withResolvers(),
      sent: Promise.withResolvers(),
    };
    const leaseKey = this.#pairing.join(me);
    // A reset (a ConnectError reason) cuts the stream. An abort without one is
    // Deno's node:http2 closing the request once its body is read: that is a
    // half-close, and the peer may still be sending to this side.
    const onAbort = () => {
      if (ctx.signal.reason instanceof ConnectError) me.cut.abort(ctx.signal.reason);
    };
    ctx.signal.addEventListener("abort", onAbort);
    try {
      // Headers go out now: upstream peers wait for them before sending.
      yield PING_FRAME;
      const peer = await this.#pairing.pair(me);
      const count = (bytes: number) => this.#pairing.countBytes(leaseKey, bytes);
      if (peer.conn) yield* bridgeRaw(peer, me, count);
      else yield* spliceFrames(peer, me, count);
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      this.#pairing.leave(me, leaseKey);
    }
  }

  /**
   * Serves a raw splice connection (the fast path between our own clients and
   * exporters: no HTTP/2 framing, no protobuf per chunk). The first line
   * carries the stream token; the rest are the stream's bytes. The peer may
   * be raw (the sockets are piped) or a gRPC Stream (bridged frame by frame).
   */
  async acceptRaw(socket: Socket): Promise<void> {
    socket.on("error", () => {});
    // Small frames (a driver call, console bytes) leave at once, not after the peer's ACK.
    socket.setNoDelay(true);
    let claims: StreamClaims;
    // A TLS socket is taken over at once (see flowing_conn.ts); a plain one
    // after its request line, so it can be taken natively.
    let taken: ByteConn | undefined = (socket as { encrypted?: boolean }).encrypted
      ? spliceConn(socket)
      : undefined;
    try {
      let line: string;
      if (taken) ({ line, conn: taken } = await readLineFrom(taken, 8192));
      else line = await readLine(socket, 8192);
      if (!line.startsWith(RAW_SPLICE_HELLO)) throw new Error("not a splice request");
      claims = await this.#pairing.admit(line.slice(RAW_SPLICE_HELLO.length).trim());
    } catch (error) {
      // `#admit` counted its own refusals.
      if (!(error instanceof ConnectError)) this.stats.refused++;
      const reason = error instanceof ConnectError ? error.rawMessage : (error as Error).message;
      socket.end(`JMPSPLICE1 ERROR ${reason.replaceAll("\n", " ")}\n`);
      return;
    }
    // Taken before answering: our peers send nothing more until they read the answer.
    const conn = taken ?? spliceConn(socket);
    const me: Side = {
      claims,
      conn,
      done: Promise.withResolvers(),
      cut: new AbortController(),
      peer: Promise.withResolvers(),
    };
    const leaseKey = this.#pairing.join(me);
    me.cut.signal.addEventListener("abort", () => conn.close(), { once: true });
    try {
      await writeAll(conn, encoder.encode(RAW_SPLICE_OK));
      const peer = await this.#pairing.pair(me);
      if (peer.conn && claims.side === "client") {
        // Both ours: bytes go straight through, each direction a read/write loop
        // (the socket buffers are the backpressure). The client's side splices;
        // the exporter's side waits until it is done.
        this.#pairing.countBytes(leaseKey, await spliceConns(conn, peer.conn));
        peer.done!.resolve();
      } else {
        // The gRPC side (or the raw client side) splices; this side lives until it is done.
        await Promise.race([me.done!.promise, cutOf(me)]);
      }
    } catch {
      // Pairing timed out, the lease was cut, or the peer went away.
    } finally {
      this.#pairing.leave(me, leaseKey);
      conn.close();
    }
  }
}
