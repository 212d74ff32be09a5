/**
 * Access policy administration on a controller's store: create or replace,
 * list and delete, beside or without a running controller.
 *
 * @module
 */
import type { KvStore } from "./store/kv.ts";
import { type AccessPolicy, keys } from "./model.ts";
import { NotFoundError } from "./errors.ts";
import { parseSelector } from "./selector.ts";

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
