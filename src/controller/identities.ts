/**
 * Who may call the controller: the identities and access policies cached
 * from the store, and the check of a caller's token against them.
 *
 * @module
 */
import { AuthError } from "./auth_error.ts";
import type { IdentityClaims, TokenAuthority } from "./auth.ts";
import { type AccessPolicy, type Identity, keys, type LeaseRecord } from "./model.ts";
import type { KvStore } from "./store/kv.ts";

/** Identities by `kind/namespace/name`, and the access policies. */
export class Identities {
  readonly byKey = new Map<string, Identity>();
  policies: AccessPolicy[] = [];

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

  /** True when an admin disabled this exporter (no new leases). */
  exporterDisabled(exporter: { namespace: string; name: string }): boolean {
    return this.byKey.get(`Exporter/${exporter.namespace}/${exporter.name}`)?.disabled === true;
  }

  /** The client identity holding a lease. */
  clientOf(lease: LeaseRecord): Identity | undefined {
    return this.byKey.get(`Client/${lease.namespace}/${lease.client}`);
  }
}
