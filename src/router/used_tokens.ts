/**
 * The stream tokens already used: a token opens one side of one stream,
 * once. Expired tokens are forgotten once more than 1,000 are kept.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { StreamClaims } from "./authority.ts";

/** Used tokens by id (`jti`), with their expiry. */
export class UsedTokens {
  readonly #usedTokens = new Map<string, number>();

  /** Uses up the token of `claims`; throws Unauthenticated if it was used before. */
  consume(claims: StreamClaims): void {
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
}
