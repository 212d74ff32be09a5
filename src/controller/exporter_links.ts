/**
 * The live links to exporters held by this replica: their Status streams
 * (told what they serve) and Listen streams (handed dial requests, directly
 * or through the store when another replica holds the stream).
 *
 * @module
 */
import { FailedPreconditionError } from "../driver/errors.ts";
import type { Coordination } from "./coordination.ts";
import { type ExporterRecord, type Identity, keys, type LeaseRecord } from "./model.ts";
import { qualified, type Records } from "./records.ts";
import type { KvStore } from "./store/kv.ts";

/** A message for an exporter's Status stream. */
export interface StatusUpdate {
  leased: boolean;
  leaseName?: string;
  clientName?: string;
}

/** A dial request for an exporter's Listen stream. */
export interface DialRequest {
  routerEndpoint: string;
  routerToken: string;
}

/** Status sinks by exporter and Listen sinks by lease, both `namespace/name`. */
export class ExporterLinks {
  readonly #statusSinks = new Map<string, (update: StatusUpdate) => void>();
  /** What each local exporter was last told (lease name, or null for "not leased"). */
  readonly #told = new Map<string, string | null>();
  readonly #listenSinks = new Map<string, (dial: DialRequest) => void>();

  constructor(
    readonly store: KvStore,
    readonly coordination: Coordination,
    readonly records: Records,
  ) {}

  /** True while this replica holds the exporter's Status stream. */
  hasStatus(exporterKey: string): boolean {
    return this.#statusSinks.has(exporterKey);
  }

  /** Takes an exporter's Status stream; it is told afresh on the next `tell`. */
  openStatus(exporterKey: string, sink: (update: StatusUpdate) => void): void {
    this.#statusSinks.set(exporterKey, sink);
    this.#told.delete(exporterKey);
  }

  /** Drops a Status stream; false if a newer one replaced it meanwhile. */
  closeStatus(exporterKey: string, sink: (update: StatusUpdate) => void): boolean {
    if (this.#statusSinks.get(exporterKey) !== sink) return false;
    this.#statusSinks.delete(exporterKey);
    this.#told.delete(exporterKey);
    return true;
  }

  /** Pushes to a local exporter's Status stream what it serves now, if that changed. */
  tell(exporterKey: string): void {
    const sink = this.#statusSinks.get(exporterKey);
    if (!sink) return;
    const [namespace, name] = exporterKey.split("/");
    const record = this.records.exporters.get(exporterKey) ??
      ({ namespace, name } as ExporterRecord);
    const lease = this.records.activeLeaseOf(record);
    const now = lease ? lease.name : null;
    if (this.#told.has(exporterKey) && this.#told.get(exporterKey) === now) return;
    this.#told.set(exporterKey, now);
    sink(
      lease ? { leased: true, leaseName: lease.name, clientName: lease.client } : { leased: false },
    );
  }

  /** Called when an exporter's Listen stream for a lease opens; returns a detach function. */
  attachListen(
    identity: Identity,
    leaseName: string,
    sink: (dial: DialRequest) => void,
  ): () => void {
    const lease = this.records.leases.get(qualified(identity.namespace, leaseName));
    if (!lease || lease.exporter !== identity.name || lease.ended) {
      throw new FailedPreconditionError(
        `Lease "${leaseName}" is not assigned to exporter "${identity.name}"`,
      );
    }
    const k = qualified(identity.namespace, leaseName);
    this.#listenSinks.set(k, sink);
    // Dials made before it listened (on any replica) wait in the store.
    void this.store.list<DialRequest>(`${keys.dials}${identity.namespace}/${leaseName}/`).then(
      async (waiting) => {
        for (const entry of waiting) {
          if (this.#listenSinks.get(k) !== sink) return;
          sink(entry.value);
          await this.store.commit([{ delete: entry.key }]).catch(() => {});
        }
      },
    );
    return () => {
      if (this.#listenSinks.get(k) === sink) this.#listenSinks.delete(k);
    };
  }

  /** Hands a dial request to the exporter of a lease: directly when it listens here, else through the store. */
  async dial(lease: LeaseRecord, request: DialRequest): Promise<void> {
    const sink = this.#listenSinks.get(qualified(lease.namespace, lease.name));
    if (sink) return sink(request);
    await this.coordination.commitEphemeral([{
      put: keys.dial(lease.namespace, lease.name, crypto.randomUUID()),
      value: request,
    }]);
  }

  /** Delivers a dial another replica left in the store, if the stream is here. */
  deliverStored(dialKey: string, request: DialRequest): void {
    const [namespace, lease] = dialKey.slice(keys.dials.length).split("/");
    const sink = this.#listenSinks.get(qualified(namespace, lease));
    if (sink) {
      sink(request);
      void this.store.commit([{ delete: dialKey }]).catch(() => {});
    }
  }

  /** Drops every stream (the controller closes). */
  clear(): void {
    this.#statusSinks.clear();
    this.#listenSinks.clear();
  }
}
