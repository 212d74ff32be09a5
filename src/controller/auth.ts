/**
 * Tokens: identity tokens for clients and exporters (ES256 JWTs signed with
 * the controller's key, kept in the store) and single-use router stream
 * tokens (HS256, keyed with a secret derived from that key). A token is
 * checked against the stored identity on every call, so deleting or
 * rotating an identity revokes its old tokens at once.
 *
 * @module
 */
import { jwtVerify, SignJWT } from "jose";
import type { KvStore } from "./store/kv.ts";
import type { Identity, Kind } from "./model.ts";
import type { StreamClaims } from "../router/authority.ts";
import { AuthError } from "./auth_error.ts";
import { loadSigningKey } from "./signing_key.ts";

export type { StreamClaims };

/** Issuer of identity tokens. */
export const ISSUER = "https://jumpstarter.dev/controller";
/** Audience of identity tokens (upstream's). */
export const AUDIENCE = "jumpstarter";
/** Issuer and audience of router stream tokens (upstream's). */
export const STREAM_ISSUER = "https://jumpstarter.dev/stream";
export const STREAM_AUDIENCE = "https://jumpstarter.dev/router";

/** Claims of a verified identity token. */
export interface IdentityClaims {
  kind: Kind;
  namespace: string;
  name: string;
  uid: string;
  generation: number;
}

/** Verified identity tokens kept (a big lab's exporters and clients, with rotations). */
const VERIFIED_CACHE_MAX = 200_000;

/** Signs and verifies the controller's tokens. */
export class TokenAuthority {
  readonly #verified = new Map<string, IdentityClaims>();

  private constructor(
    readonly kid: string,
    readonly privateKey: CryptoKey,
    readonly publicKey: CryptoKey,
    readonly streamKey: CryptoKey,
  ) {}

  /** Loads the signing key from the store, creating it on first use. */
  static async open(store: KvStore): Promise<TokenAuthority> {
    const key = await loadSigningKey(store);
    return new TokenAuthority(key.kid, key.privateKey, key.publicKey, key.streamKey);
  }

  /** Issues the long-lived token of an identity. */
  async issue(identity: Identity): Promise<string> {
    return await new SignJWT({
      kind: identity.kind,
      ns: identity.namespace,
      name: identity.name,
      gen: identity.generation,
    })
      .setProtectedHeader({ alg: "ES256", kid: this.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(`${identity.kind}:${identity.namespace}:${identity.name}:${identity.uid}`)
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .sign(this.privateKey);
  }

  /** Verifies an identity token's signature and shape (cached); the caller checks the identity. */
  async verify(token: string): Promise<IdentityClaims> {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, {
        issuer: ISSUER,
        audience: AUDIENCE,
      }));
    } catch {
      throw new AuthError("Invalid token: not signed by this controller or malformed");
    }
    const [kind, namespace, name, uid] = String(payload.sub ?? "").split(":");
    if ((kind !== "Client" && kind !== "Exporter") || !namespace || !name || !uid) {
      throw new AuthError("Invalid token: bad subject");
    }
    const claims: IdentityClaims = { kind, namespace, name, uid, generation: Number(payload.gen) };
    // Only tokens this controller signed get here, so the cache holds about one per identity:
    // large enough for every exporter of a big lab, oldest out first past the bound.
    if (this.#verified.size >= VERIFIED_CACHE_MAX) {
      this.#verified.delete(this.#verified.keys().next().value!);
    }
    this.#verified.set(token, claims);
    return claims;
  }

  /** Issues a single-use router token for one side of one stream. */
  async issueStreamToken(
    streamId: string,
    lease: { namespace: string; name: string },
    side: "client" | "exporter",
    ttlSeconds = 1800,
  ): Promise<string> {
    return await new SignJWT({ lease: lease.name, ns: lease.namespace, side })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(STREAM_ISSUER)
      .setAudience(STREAM_AUDIENCE)
      .setSubject(streamId)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.streamKey);
  }

  /** Verifies a router stream token (signature, issuer, audience, expiry). */
  async verifyStreamToken(token: string): Promise<StreamClaims> {
    try {
      const { payload } = await jwtVerify(token, this.streamKey, {
        algorithms: ["HS256"],
        issuer: STREAM_ISSUER,
        audience: STREAM_AUDIENCE,
      });
      const side = payload.side === "exporter" ? "exporter" : "client";
      return {
        streamId: String(payload.sub),
        jti: String(payload.jti),
        lease: String(payload.lease),
        namespace: String(payload.ns),
        side,
        expiresAt: Number(payload.exp) * 1000,
      };
    } catch {
      throw new AuthError("Invalid or expired stream token");
    }
  }
}
