/**
 * Identity administration on a controller's store: create clients and
 * exporters, list, delete and rotate them. Works on the data directory
 * directly, beside or without a running controller, which sees the changes
 * at once. Access policies are in `policy_admin.ts`, the config files handed
 * to an identity in `config_files.ts`.
 *
 * @module
 */
import type { TokenAuthority } from "./auth.ts";
import type { KvStore } from "./store/kv.ts";
import { type Identity, keys, type Kind } from "./model.ts";
import { NotFoundError } from "./errors.ts";

/** Creates an identity; returns it with its token. */
export async function createIdentity(
  store: KvStore,
  authority: TokenAuthority,
  kind: Kind,
  namespace: string,
  name: string,
  labels: Record<string, string>,
): Promise<{ identity: Identity; token: string }> {
  if (!/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/.test(name)) {
    throw new TypeError(
      `Invalid name "${name}": use lowercase letters, digits, "-" and "." (max 63)`,
    );
  }
  const identity: Identity = {
    kind,
    namespace,
    name,
    uid: crypto.randomUUID(),
    labels,
    generation: 1,
    createdAt: new Date().toISOString(),
  };
  const k = keys.identity(kind, namespace, name);
  try {
    await store.commit([{ put: k, value: identity }], [{ key: k, version: 0 }]);
  } catch {
    throw new TypeError(
      `${kind} "${name}" already exists in namespace "${namespace}"; delete it or rotate its token`,
    );
  }
  return { identity, token: await authority.issue(identity) };
}

/** Bumps an identity's generation, revoking its tokens; returns a new token. */
export async function rotateIdentity(
  store: KvStore,
  authority: TokenAuthority,
  who: { kind: Kind; namespace: string; name: string },
): Promise<{ identity: Identity; token: string }> {
  const k = keys.identity(who.kind, who.namespace, who.name);
  const entry = await store.get<Identity>(k);
  if (!entry) {
    throw new NotFoundError(
      `No ${who.kind.toLowerCase()} named "${who.name}" in namespace "${who.namespace}"`,
    );
  }
  const identity = { ...entry.value, generation: entry.value.generation + 1 };
  await store.commit([{ put: k, value: identity }], [{ key: k, version: entry.version }]);
  return { identity, token: await authority.issue(identity) };
}

/** Deletes an identity (its tokens stop working at once) and an exporter's live record. */
export async function deleteIdentity(
  store: KvStore,
  who: { kind: Kind; namespace: string; name: string },
): Promise<void> {
  const k = keys.identity(who.kind, who.namespace, who.name);
  if (!(await store.get(k))) {
    throw new NotFoundError(
      `No ${who.kind.toLowerCase()} named "${who.name}" in namespace "${who.namespace}"`,
    );
  }
  const writes = [{ delete: k }];
  if (who.kind === "Exporter") writes.push({ delete: keys.exporter(who.namespace, who.name) });
  await store.commit(writes);
}

/** Every identity, optionally of one kind. */
export async function listIdentities(store: KvStore, kind?: Kind): Promise<Identity[]> {
  const prefix = kind ? `${keys.identities}${kind}/` : keys.identities;
  return (await store.list<Identity>(prefix)).map((e) => e.value);
}

/** Disables (or enables again) an exporter: a disabled one gets no new leases; a running lease stays. */
export async function setExporterDisabled(
  store: KvStore,
  who: { namespace: string; name: string },
  disabled: boolean,
): Promise<Identity> {
  const k = keys.identity("Exporter", who.namespace, who.name);
  const entry = await store.get<Identity>(k);
  if (!entry) {
    throw new NotFoundError(`No exporter named "${who.name}" in namespace "${who.namespace}"`);
  }
  const { disabled: _, ...rest } = entry.value;
  const identity: Identity = disabled ? { ...rest, disabled: true } : rest;
  await store.commit([{ put: k, value: identity }], [{ key: k, version: entry.version }]);
  return identity;
}
