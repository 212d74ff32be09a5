/**
 * UpdateLease with `client` in its update mask: the holder hands its lease
 * to another client of the namespace (upstream's `jmp update lease
 * --to-client`). The new holder must exist and, when access policies are
 * set, be admitted by one; the lease keeps its exporter, times and place.
 *
 * @module
 */
import { FailedPreconditionError } from "../driver/errors.ts";
import { AuthError } from "./auth_error.ts";
import { NotFoundError } from "./errors.ts";
import type { Identities } from "./identities.ts";
import type { LeaseRecord } from "./model.ts";
import { matches } from "./selector_match.ts";
import { parseSelector } from "./selector.ts";

/** The client name in `namespaces/NS/clients/NAME` or a bare NAME. */
export function clientNameOf(resource: string, namespace: string): string {
  const m = resource.match(/^namespaces\/([^/]+)\/clients\/([^/]+)$/);
  if (m && m[1] !== namespace) {
    throw new TypeError(
      `Cannot give a lease to "${resource}": it is in namespace "${
        m[1]
      }", the lease in "${namespace}"`,
    );
  }
  const name = m ? m[2] : resource;
  if (!/^[\w.-]+$/.test(name)) {
    throw new TypeError(`Invalid client "${resource}": use NAME or namespaces/NS/clients/NAME`);
  }
  return name;
}

/** Moves `lease` (a copy, saved by the caller) to client `to`. */
export function transferTo(lease: LeaseRecord, to: string, identities: Identities): void {
  if (lease.ended) {
    throw new FailedPreconditionError(`Lease "${lease.name}" has ended; it cannot change hands`);
  }
  const target = identities.byKey.get(`Client/${lease.namespace}/${to}`);
  if (!target) throw new NotFoundError(`No client named "${to}" in namespace "${lease.namespace}"`);
  const policies = identities.policies;
  if (
    policies.length > 0 &&
    !policies.some((p) => matches(parseSelector(p.clientSelector), target.labels))
  ) {
    throw new AuthError(`Client "${to}" is not admitted by any access policy`);
  }
  lease.client = target.name;
  lease.clientUid = target.uid;
}
