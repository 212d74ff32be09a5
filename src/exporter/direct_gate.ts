/**
 * The door of a direct-mode exporter: every call must carry the passphrase
 * (upstream's `x-jumpstarter-passphrase` metadata; a wrong or missing one is
 * refused as UNAUTHENTICATED "invalid or missing passphrase", as upstream
 * does, and counted), and one client at a time holds the board. A client is
 * a peer address: the connections a `shell` and the commands inside it open
 * come from one address and share the board; a connection from another
 * address is refused while any connection of the holder is open.
 *
 * @module
 */
import type * as http2 from "node:http2";
import { createHash, timingSafeEqual } from "node:crypto";
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import type { Logger } from "../log.ts";

/** The connection a call came on. */
interface Peer {
  address: string;
  session?: http2.Http2Session;
}

const peerKey = createContextKey<Peer | undefined>(undefined, { description: "direct peer" });

/** Upstream's metadata key for the passphrase. */
const PASSPHRASE_HEADER = "x-jumpstarter-passphrase";

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

/** Passphrase check and one-client-at-a-time for `serveDirect`. */
export class DirectGate {
  /** Calls refused for a wrong or missing passphrase. */
  refused = 0;
  /** Calls refused because another client held the board. */
  busy = 0;
  #holder?: { address: string; since: Date; sessions: Set<http2.Http2Session | Peer> };
  readonly #passphrase?: Uint8Array;
  readonly #warned = new WeakSet<object>();

  constructor(passphrase: string | undefined, readonly log: Logger) {
    this.#passphrase = passphrase === undefined ? undefined : digest(passphrase);
  }

  /** The address holding the board now, if any. */
  get holder(): string | undefined {
    return this.#holder?.address;
  }

  /** Context values for a request: where it came from. */
  contextValues = (req: http2.Http2ServerRequest) => {
    const values = createContextValues();
    values.set(peerKey, {
      address: req.socket?.remoteAddress ?? "unknown",
      session: req.stream?.session,
    });
    return values;
  };

  /** The Connect interceptor that applies both rules to every call. */
  interceptor: Interceptor = (next) => (req) => {
    const peer = req.contextValues.get(peerKey) ?? { address: "unknown" };
    if (this.#passphrase) {
      const given = req.header.get(PASSPHRASE_HEADER);
      if (given === null || !timingSafeEqual(digest(given), this.#passphrase)) {
        this.refused++;
        const key = peer.session ?? peer;
        if (!this.#warned.has(key)) {
          this.#warned.add(key);
          this.log.warning(
            `refused ${req.method.name} from ${peer.address}: ${
              given === null ? "no" : "wrong"
            } passphrase (${this.refused} refused so far)`,
          );
        }
        throw new ConnectError("invalid or missing passphrase", Code.Unauthenticated);
      }
    }
    this.#admit(peer, req.method.name);
    return next(req);
  };

  #admit(peer: Peer, method: string): void {
    const holder = this.#holder;
    const key = peer.session ?? peer;
    if (holder && holder.address !== peer.address) {
      this.busy++;
      if (!this.#warned.has(key)) {
        this.#warned.add(key);
        this.log.warning(
          `refused ${method} from ${peer.address}: ${holder.address} holds the board`,
        );
      }
      throw new ConnectError(
        `the exporter serves another client (${holder.address}) since ${
          holder.since.toISOString().slice(11, 19)
        } UTC; try again when it disconnects`,
        Code.FailedPrecondition,
      );
    }
    const held = holder ?? { address: peer.address, since: new Date(), sessions: new Set() };
    if (!holder) {
      this.#holder = held;
      this.log.info(`client ${peer.address} holds the board`);
    }
    if (held.sessions.has(key)) return;
    held.sessions.add(key);
    peer.session?.once("close", () => {
      held.sessions.delete(key);
      if (held.sessions.size === 0 && this.#holder === held) {
        this.#holder = undefined;
        this.log.info(`client ${peer.address} disconnected; the board is free`);
      }
    });
  }
}
