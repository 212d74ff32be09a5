/**
 * Liveness from HTTP/2 PINGs on the session each exporter's Status stream
 * rides on. Our exporters PING their controller link every 10 s while the
 * stream is open (the session manager's keepalive); each one received is a
 * sign of life, at the cost of the PING the HTTP/2 layer answers anyway. A
 * session silent for a third of the timeout gets a PING from the
 * controller, whose answer is the sign of life instead: so upstream's
 * exporters, which never repeat their status, are checked the same way
 * (every HTTP/2 peer must answer a PING). A session silent past the timeout
 * is dead (a vanished host, a cut link, a hung process) and is destroyed by
 * the liveness sweep.
 *
 * @module
 */

/** What liveness needs of an HTTP/2 session (node:http2's `ServerHttp2Session`). */
export interface PeerSession {
  readonly destroyed: boolean;
  ping(callback: (error: Error | null) => void): boolean;
  on(event: "ping", listener: () => void): unknown;
  off(event: "ping", listener: () => void): unknown;
  destroy(): void;
}

interface Watched {
  /** When the peer last PINGed or answered a PING, in ms since the epoch. */
  lastSeen: number;
  /** When the controller last sent a PING on it (0: none out). */
  pingSentAt: number;
  /** The exporters whose Status stream rides on the session. */
  exporters: Set<string>;
  onPing: () => void;
}

/** The sessions carrying exporters' Status streams, and when each last showed life. */
export class SessionPings {
  readonly #sessions = new Map<PeerSession, Watched>();
  readonly #of = new Map<string, PeerSession>();

  /** `pingAfterMs`: how long a session may be silent before the controller PINGs it. */
  constructor(readonly pingAfterMs: number) {}

  /** How many sessions are watched. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Watches `session` for exporter `k` from now; returns the function to call when its stream ends. */
  watch(k: string, session: PeerSession): () => void {
    let watched = this.#sessions.get(session);
    if (!watched) {
      const entry: Watched = {
        lastSeen: Date.now(),
        pingSentAt: 0,
        exporters: new Set(),
        onPing: () => entry.lastSeen = Date.now(),
      };
      watched = entry;
      this.#sessions.set(session, entry);
      session.on("ping", entry.onPing);
    }
    watched.lastSeen = Date.now();
    watched.exporters.add(k);
    this.#of.set(k, session);
    return () => {
      if (this.#of.get(k) === session) this.#of.delete(k);
      const entry = this.#sessions.get(session);
      if (!entry) return;
      entry.exporters.delete(k);
      if (entry.exporters.size === 0) this.#forget(session, entry);
    };
  }

  /** When exporter `k`'s session last showed life; undefined when none is watched. */
  lastSeen(k: string): number | undefined {
    const session = this.#of.get(k);
    return session ? this.#sessions.get(session)?.lastSeen : undefined;
  }

  /** The session exporter `k`'s Status stream rides on, if watched. */
  sessionOf(k: string): PeerSession | undefined {
    return this.#of.get(k);
  }

  /** Destroys a session (it stayed silent past the timeout); its streams end. */
  drop(session: PeerSession): void {
    const entry = this.#sessions.get(session);
    if (entry) {
      for (const k of entry.exporters) {
        if (this.#of.get(k) === session) this.#of.delete(k);
      }
      this.#forget(session, entry);
    }
    session.destroy();
  }

  /** PINGs each session silent for `pingAfterMs` (once per `pingAfterMs` while it stays silent). */
  sweep(now: number): void {
    for (const [session, entry] of this.#sessions) {
      if (now - entry.lastSeen < this.pingAfterMs || now - entry.pingSentAt < this.pingAfterMs) {
        continue;
      }
      if (session.destroyed) continue;
      entry.pingSentAt = now;
      try {
        session.ping((error) => {
          if (!error) entry.lastSeen = Date.now();
        });
      } catch { /* closing: its streams end and unwatch it */ }
    }
  }

  #forget(session: PeerSession, entry: Watched): void {
    this.#sessions.delete(session);
    session.off("ping", entry.onPing);
  }
}
