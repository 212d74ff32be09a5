/**
 * Who may call the controller: the identities and access policies cached
 * from the store, and the check of a caller's token against them.
 *
 * @module
 */
import { AuthError } from "./auth_error.ts";
import { type IdentityClaims, ISSUER, type TokenAuthority } from "./auth.ts";
import type { OidcIssuer } from "./oidc_config.ts";
import { OidcVerifier } from "./oidc_verifier.ts";
import { type AccessPolicy, type Identity, keys, type LeaseRecord } from "./model.ts";
import type { KvStore } from "./store/kv.ts";

/** Identities by `kind/namespace/name`, and the access policies. */
export class Identities {
  readonly byKey = new Map<string, Identity>();
  policies: AccessPolicy[] = [];
  /** Trusted OpenID Connect issuers (`--auth-config`), if any. */
  oidc?: OidcVerifier;

  constructor(readonly store: KvStore, readonly authority: TokenAuthority) {}

  #reloading?: Promise<void>;

  /**
   * Reads identities and policies from the store again. Calls that arrive
   * while a read runs share it: a burst of calls (or of refused tokens)
   * costs one read of the store, not one each.
   */
  reload(): Promise<void> {
    return this.#reloading ??= this.#read().finally(() => this.#reloading = undefined);
  }

  async #read(): Promise<void> {
    const identities = await this.store.list<Identity>(keys.identities);
    this.byKey.clear();
    for (const { value } of identities) {
      this.byKey.set(`${value.kind}/${value.namespace}/${value.name}`, value);
    }
    this.policies = (await this.store.list<AccessPolicy>(keys.policies)).map((e) => e.value);
  }

  /** The identity behind a bearer token and the caller's metadata headers, or AuthError. */
  async authenticate(
    token: string | undefined,
    headers: { kind?: string | null; namespace?: string | null; name?: string | null },
  ): Promise<Identity> {
    if (!token) throw new AuthError("Missing authorization: Bearer token");
    const issuer = this.oidc?.issuerOf(token);
    if (issuer) return await this.#authenticateOidc(token, issuer, headers);
    const claimed = OidcVerifier.claimedIssuer(token);
    if (claimed !== undefined && claimed !== ISSUER) {
      const trusted = this.oidc?.issuers.map((i) => i.url).join(", ");
      throw new AuthError(
        `Token issuer "${claimed}" is not trusted by this controller${
          trusted ? ` (it trusts ${trusted})` : " (it trusts no OpenID issuer: see --auth-config)"
        }`,
      );
    }
    const claims: IdentityClaims = await this.authority.verify(token);
    if (headers.kind && headers.kind !== claims.kind) {
      throw new AuthError("jumpstarter-kind does not match the token");
    }
    if (headers.namespace && headers.namespace !== claims.namespace) {
      throw new AuthError("jumpstarter-namespace does not match the token");
    }
    if (headers.name && headers.name !== claims.name) {
      throw new AuthError("jumpstarter-name does not match the token");
    }
    // Always against the current store state: deletion and rotation revoke at once.
    (this.store as { pollExternal?: () => boolean }).pollExternal?.() &&
      await this.reload();
    const key = `${claims.kind}/${claims.namespace}/${claims.name}`;
    let identity = this.byKey.get(key);
    if (!identity || identity.uid !== claims.uid || identity.generation !== claims.generation) {
      // A validly signed token this cache does not know yet may be newer than the cache
      // (another call is reloading it): read the store once more before refusing.
      await this.reload();
      identity = this.byKey.get(key);
    }
    if (!identity || identity.uid !== claims.uid) {
      throw new AuthError("Token revoked: the identity was deleted");
    }
    if (identity.generation !== claims.generation) {
      throw new AuthError("Token revoked: it was rotated");
    }
    return identity;
  }

  /** A token from a trusted OpenID issuer: the client identity its username claim names. */
  async #authenticateOidc(
    token: string,
    issuer: OidcIssuer,
    headers: { kind?: string | null; namespace?: string | null; name?: string | null },
  ): Promise<Identity> {
    const caller = await this.oidc!.verify(token, issuer);
    if (headers.kind && headers.kind !== "Client") {
      throw new AuthError("Tokens from an OpenID issuer act as clients only");
    }
    if (headers.namespace && headers.namespace !== issuer.namespace) {
      throw new AuthError(
        `jumpstarter-namespace "${headers.namespace}" does not match the issuer's namespace "${issuer.namespace}"`,
      );
    }
    if (headers.name && headers.name !== caller.identityName) {
      throw new AuthError(
        `jumpstarter-name "${headers.name}" does not match the token's user ${caller.username} (client "${caller.identityName}")`,
      );
    }
    const key = `Client/${issuer.namespace}/${caller.identityName}`;
    if (!this.byKey.has(key)) await this.reload();
    const identity = this.byKey.get(key);
    if (!identity) {
      throw new AuthError(
        `User ${caller.username} maps to client "${caller.identityName}" in namespace "${issuer.namespace}", which does not exist: an admin creates it with "controller admin create client ${caller.identityName}"`,
      );
    }
    return identity;
  }

  /** True when an admin disabled this exporter (no new leases). */
  exporterDisabled(exporter: { namespace: string; name: string }): boolean {
    return this.byKey.get(`Exporter/${exporter.namespace}/${exporter.name}`)?.disabled === true;
  }

  /** The client identity holding a lease. */
  clientOf(lease: LeaseRecord): Identity | undefined {
    return this.byKey.get(`Client/${lease.namespace}/${lease.client}`);
  }
}
