/**
 * Who is logged in to the dashboard: one-time login codes (short-lived,
 * single use) handed to a client identity that proved itself with its
 * token, and the browser sessions they open. A session names the identity
 * by uid and generation, so deleting or rotating the client ends it at the
 * next request.
 *
 * @module
 */
import type { Identity } from "../model.ts";

/** How long a login code may wait to be used. */
export const LOGIN_CODE_TTL_MS = 60_000;
/** How long a browser session lasts without a new login. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** Caps, so a flood of logins cannot grow memory without bound. */
const MAX_CODES = 1_000;
const MAX_SESSIONS = 10_000;

/** A logged-in browser. */
export interface LoginSession {
  id: string;
  /** Sent back in `x-csrf-token` on every state-changing request. */
  csrf: string;
  /** `kind/namespace/name` of the identity. */
  key: string;
  uid: string;
  generation: number;
  expiresAt: number;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

const keyOf = (identity: Identity) => `${identity.kind}/${identity.namespace}/${identity.name}`;

/** Login codes and sessions, in memory (a controller restart logs everyone out). */
export class LoginSessions {
  readonly #codes = new Map<string, { identity: Identity; expiresAt: number }>();
  readonly #sessions = new Map<string, LoginSession>();

  constructor(readonly now: () => number = Date.now) {}

  /** A new single-use login code for `identity`. */
  issueCode(identity: Identity): string {
    this.#sweep();
    if (this.#codes.size >= MAX_CODES) {
      throw new RangeError("Too many login codes waiting to be used; try again in a minute");
    }
    const code = randomToken();
    this.#codes.set(code, { identity, expiresAt: this.now() + LOGIN_CODE_TTL_MS });
    return code;
  }

  /** Uses up a login code: a session for its identity, or undefined if unknown or expired. */
  redeem(code: string): LoginSession | undefined {
    const entry = this.#codes.get(code);
    this.#codes.delete(code);
    if (!entry || entry.expiresAt < this.now()) return undefined;
    this.#sweep();
    if (this.#sessions.size >= MAX_SESSIONS) this.#dropOldest();
    const session: LoginSession = {
      id: randomToken(),
      csrf: randomToken(),
      key: keyOf(entry.identity),
      uid: entry.identity.uid,
      generation: entry.identity.generation,
      expiresAt: this.now() + SESSION_TTL_MS,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /**
   * The session of a cookie and its identity, if both are still good: the
   * identity must still exist with the uid and generation it logged in with.
   */
  check(
    id: string | undefined,
    identities: Map<string, Identity>,
  ): { session: LoginSession; identity: Identity } | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const identity = identities.get(session.key);
    if (
      session.expiresAt < this.now() || !identity || identity.uid !== session.uid ||
      identity.generation !== session.generation
    ) {
      this.#sessions.delete(id);
      return undefined;
    }
    return { session, identity };
  }

  /** Ends a session (logout). */
  end(id: string): void {
    this.#sessions.delete(id);
  }

  #sweep(): void {
    const now = this.now();
    for (const [code, entry] of this.#codes) if (entry.expiresAt < now) this.#codes.delete(code);
    for (const [id, s] of this.#sessions) if (s.expiresAt < now) this.#sessions.delete(id);
  }

  #dropOldest(): void {
    const oldest = this.#sessions.keys().next();
    if (!oldest.done) this.#sessions.delete(oldest.value);
  }
}
