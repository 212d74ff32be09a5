/**
 * Identity administration on a controller's store: create clients and
 * exporters (writing their ready-to-use config files), list, delete, rotate,
 * and access policies. Works on the data directory directly, beside or
 * without a running controller, which sees the changes at once.
 *
 * @module
 */
import { stringify } from "yaml";
import type { TokenAuthority } from "./auth.ts";
import type { KvStore } from "./store/kv.ts";
import { type AccessPolicy, type Identity, keys, type Kind } from "./model.ts";
import { NotFoundError } from "./errors.ts";
import { parseSelector } from "./selector.ts";

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

/** Creates or replaces an access policy. */
export async function putPolicy(store: KvStore, policy: AccessPolicy): Promise<void> {
  parseSelector(policy.exporterSelector);
  parseSelector(policy.clientSelector);
  await store.commit([{ put: `${keys.policies}${policy.name}`, value: policy }]);
}

/** Every access policy. */
export async function listPolicies(store: KvStore): Promise<AccessPolicy[]> {
  return (await store.list<AccessPolicy>(keys.policies)).map((e) => e.value);
}

/** Deletes an access policy. */
export async function deletePolicy(store: KvStore, name: string): Promise<void> {
  if (!(await store.get(`${keys.policies}${name}`))) {
    throw new NotFoundError(`No policy named "${name}"`);
  }
  await store.commit([{ delete: `${keys.policies}${name}` }]);
}

/** Where and how a config file reaches the controller. */
export interface EndpointInfo {
  /** `http://host:port` (h2c) or `https://host:port` (TLS). */
  endpoint: string;
  /** PEM of the CA to trust for TLS, if any. */
  caPem?: string;
}

function tlsSection(info: EndpointInfo) {
  return {
    ca: info.caPem ? btoa(info.caPem) : "",
    insecure: false,
  };
}

/** The ClientConfig YAML for a client identity (upstream shape). */
export function clientConfigYaml(identity: Identity, token: string, info: EndpointInfo): string {
  return stringify({
    apiVersion: "jumpstarter.dev/v1alpha1",
    kind: "ClientConfig",
    metadata: { namespace: identity.namespace, name: identity.name },
    endpoint: info.endpoint,
    tls: tlsSection(info),
    token,
    drivers: { allow: [], unsafe: true },
  });
}

/** The ExporterConfig YAML for an exporter identity; `exportTree` from a local config, if given. */
export function exporterConfigYaml(
  identity: Identity,
  token: string,
  info: EndpointInfo,
  exportTree: Record<string, unknown> | undefined,
): string {
  const doc: Record<string, unknown> = {
    apiVersion: "jumpstarter.dev/v1alpha1",
    kind: "ExporterConfig",
    metadata: { namespace: identity.namespace, name: identity.name },
    endpoint: info.endpoint,
    tls: tlsSection(info),
    token,
  };
  doc.export = exportTree ?? {};
  let text = stringify(doc);
  if (!exportTree) {
    text +=
      "# Add the drivers of this exporter under export:, e.g.\n#   power:\n#     type: power.MockPower\n";
  }
  return text;
}

/** Writes a file readable by its owner only (configs hold tokens). */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chmod(path, 0o600);
}
