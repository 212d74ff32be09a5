/**
 * Verifies tokens from the configured OpenID Connect issuers: the issuer's
 * discovery document and its JWKS are fetched once and cached (the key set
 * refetched when a token names a key it does not hold, at most every 30 s),
 * then each token's signature, issuer, audience and expiry are checked and
 * its username claim mapped to a client identity name. Failures are one
 * `AuthError` line that names what was wrong, never the token.
 *
 * @module
 */
import { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify } from "jose";
import { AuthError } from "./auth_error.ts";
import { identityNameOf, type OidcIssuer } from "./oidc_config.ts";

/** Who an accepted token acts as. */
export interface OidcCaller {
  issuer: OidcIssuer;
  /** The prefixed username (`keycloak:alice`), for logs. */
  username: string;
  /** The client identity's name in `issuer.namespace`. */
  identityName: string;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** Verifies OIDC tokens for the issuers of the auth config. */
export class OidcVerifier {
  readonly #keySets = new Map<string, Promise<KeySet>>();

  constructor(readonly issuers: OidcIssuer[]) {}

  /** The configured issuer a token claims to come from; undefined when it names none of them. */
  issuerOf(token: string): OidcIssuer | undefined {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return undefined;
    }
    return this.issuers.find((issuer) => issuer.url === iss);
  }

  /** The `iss` a token claims, if it is a JWT at all (for a refusal's message). */
  static claimedIssuer(token: string): string | undefined {
    try {
      const iss = decodeJwt(token).iss;
      return typeof iss === "string" ? iss.slice(0, 200) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Verifies a token of `issuer`; AuthError says why it is refused. */
  async verify(token: string, issuer: OidcIssuer): Promise<OidcCaller> {
    const keys = await this.#keySet(issuer);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: issuer.url,
        audience: issuer.audiences,
        algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw new AuthError(refusal(error, issuer));
    }
    const value = payload[issuer.usernameClaim];
    if (typeof value !== "string" || !value) {
      throw new AuthError(
        `Token from ${issuer.url} has no "${issuer.usernameClaim}" claim to name the caller`,
      );
    }
    return {
      issuer,
      username: `${issuer.usernamePrefix}${value}`,
      identityName: identityNameOf(value),
    };
  }

  #keySet(issuer: OidcIssuer): Promise<KeySet> {
    let keys = this.#keySets.get(issuer.url);
    if (!keys) {
      keys = discoverKeySet(issuer);
      this.#keySets.set(issuer.url, keys);
      // A failed discovery is tried again by the next token, not cached.
      keys.catch(() => this.#keySets.delete(issuer.url));
    }
    return keys;
  }
}

function refusal(error: unknown, issuer: OidcIssuer): string {
  if (error instanceof errors.JWTExpired) {
    return `Token from ${issuer.url} expired: run "jumpstarter login" again (a stored refresh token renews it)`;
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") {
    return `Token from ${issuer.url} is for another audience: this controller accepts ${
      issuer.audiences.join(", ")
    }`;
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `Token from ${issuer.url} refused: ${error.message}`;
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWSSignatureVerificationFailed
  ) {
    return `Token claims issuer ${issuer.url} but its signature does not verify with that issuer's keys`;
  }
  if (error instanceof AuthError) return error.message;
  return `Token from ${issuer.url} refused: ${(error as Error).message ?? String(error)}`;
}

function fetcherFor(issuer: OidcIssuer): typeof fetch {
  if (!issuer.ca) return fetch;
  const client = Deno.createHttpClient({ caCerts: [issuer.ca] });
  return (input, init) => fetch(input, { ...init, client });
}

/** Fetches the discovery document and makes the issuer's cached remote key set. */
async function discoverKeySet(issuer: OidcIssuer): Promise<KeySet> {
  const fetcher = fetcherFor(issuer);
  const url = `${issuer.url.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetcher(url, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if (text.length > 1_000_000) throw new Error("discovery document over 1 MB");
    doc = JSON.parse(text);
  } catch (error) {
    throw new AuthError(
      `Cannot verify tokens of ${issuer.url}: its discovery document ${url} failed (${
        (error as Error).message
      })`,
    );
  }
  if (doc.issuer !== issuer.url || typeof doc.jwks_uri !== "string") {
    throw new AuthError(
      `Cannot verify tokens of ${issuer.url}: its discovery document names issuer "${
        String(doc.issuer)
      }" or lacks jwks_uri`,
    );
  }
  return createRemoteJWKSet(new URL(doc.jwks_uri), {
    cacheMaxAge: 10 * 60_000,
    cooldownDuration: 30_000,
    timeoutDuration: 10_000,
    [customFetch]: fetcher,
  });
}
