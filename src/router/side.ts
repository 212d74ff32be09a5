/**
 * One side of a router stream, a client's or an exporter's, as the router
 * holds it while pairing and splicing: its claims, what carries its bytes
 * (a gRPC Stream's frames or a raw splice connection), its peer once
 * paired, and its cut.
 *
 * @module
 */
import type { StreamRequest } from "../gen/jumpstarter/v1/router_pb.ts";
import type { ByteConn } from "../transport/byte_conn.ts";
import type { StreamClaims } from "./authority.ts";

/** A side of a stream. */
export interface Side {
  claims: StreamClaims;
  /** Frames from a gRPC side; absent for a raw side. */
  requests?: AsyncIterable<StreamRequest>;
  /** The connection of a raw side (a `JMPSPLICE1` connection). */
  conn?: ByteConn;
  /** Resolved when whoever splices a raw side is done with its connection. */
  done?: PromiseWithResolvers<void>;
  cut: AbortController;
  peer: PromiseWithResolvers<Side>;
  /**
   * Resolved once everything this side sends has been read (its request
   * frames ended): with half-close, a side's call ends only when both
   * directions have, as upstream's router does.
   */
  sent?: PromiseWithResolvers<void>;
}

/** Rejects once the side is cut. */
export function cutOf(side: Side): Promise<never> {
  return new Promise((_, reject) => {
    if (side.cut.signal.aborted) return reject(side.cut.signal.reason);
    side.cut.signal.addEventListener("abort", () => reject(side.cut.signal.reason), { once: true });
  });
}
