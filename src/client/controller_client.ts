/**
 * A client's connection to the controller: leases, exporters, dialing.
 *
 * @module
 */
import { type Client, createClient } from "@connectrpc/connect";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ClientService,
  type Exporter,
  type Lease,
} from "../gen/jumpstarter/client/v1/client_pb.ts";
import { ControllerService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import type { RouterService } from "../gen/jumpstarter/v1/router_pb.ts";
import { RouterClients } from "../transport/router_splice.ts";
import type { ClientConfig } from "../config/client_config.ts";
import {
  type ControllerTransport,
  controllerTransport,
} from "../transport/controller_transport.ts";
import { fromConnectError } from "../transport/errors.ts";
import { tokenSource } from "./oidc_refresh.ts";

/** The context key a client sets at create and the controller answers with its timeout (ms). */
export const KEEPALIVE_CONTEXT = "jumpstarter.dev/client-keepalive";

/** What `createLease` asks for. */
export interface LeaseSpec {
  /** Label selector, string form (`board=virtual,arch in (arm64,x86)`). */
  selector?: string;
  /** Lease one exporter by name. */
  exporterName?: string;
  /** Duration in ms. */
  durationMs: number;
  beginTime?: Date;
  /** Re-queue for another matching exporter if the leased one goes offline. */
  requeueOnExporterLoss?: boolean;
  tags?: Record<string, string>;
  /** The client's own context kept with the lease (build id, image digest, VCS ref...). */
  context?: Record<string, string>;
  /** Ask for this lease name instead of a generated one. */
  leaseId?: string;
  /** Keep the lease alive with GetLease calls (a session that releases it on exit). */
  keepalive?: boolean;
}

/** Calls to the controller as one client identity. */
export class ControllerClient implements AsyncDisposable {
  readonly client: Client<typeof ClientService>;
  readonly controller: Client<typeof ControllerService>;
  readonly #transport: ControllerTransport;
  readonly #routers: RouterClients;

  constructor(readonly config: ClientConfig) {
    this.#routers = new RouterClients(config.tls);
    this.#transport = controllerTransport(config.endpoint, {
      tls: config.tls,
      credentials: {
        token: tokenSource(config),
        kind: "Client",
        namespace: config.metadata.namespace,
        name: config.metadata.name,
      },
    });
    this.client = createClient(ClientService, this.#transport.transport);
    this.controller = createClient(ControllerService, this.#transport.transport);
  }

  get namespace(): string {
    return this.config.metadata.namespace;
  }

  #call<T>(fn: () => Promise<T>): Promise<T> {
    return fn().catch((error) => {
      throw fromConnectError(error);
    });
  }

  /** Creates a lease; it may be pending. */
  createLease(spec: LeaseSpec): Promise<Lease> {
    return this.#call(() =>
      this.client.createLease({
        parent: `namespaces/${this.namespace}`,
        leaseId: spec.leaseId ?? "",
        lease: {
          selector: spec.selector ?? "",
          exporterName: spec.exporterName,
          duration: durationFromMs(spec.durationMs),
          beginTime: spec.beginTime ? timestampFromDate(spec.beginTime) : undefined,
          tags: spec.tags ?? {},
          context: {
            ...spec.context,
            ...(spec.requeueOnExporterLoss
              ? { "jumpstarter.dev/requeue-on-exporter-loss": "true" }
              : {}),
            ...(spec.keepalive ? { [KEEPALIVE_CONTEXT]: "true" } : {}),
          },
        },
      })
    );
  }

  getLease(name: string): Promise<Lease> {
    return this.#call(() =>
      this.client.getLease({ name: `namespaces/${this.namespace}/leases/${name}` })
    );
  }

  /** Every lease visible to this client, fetched `pageSize` at a time (default 100). */
  async listLeases(
    options: { all?: boolean; filter?: string; tagFilter?: string; pageSize?: number } = {},
  ): Promise<Lease[]> {
    return await allPages(async (pageToken) => {
      const response = await this.#call(() =>
        this.client.listLeases({
          parent: `namespaces/${this.namespace}`,
          onlyActive: !options.all,
          filter: options.filter ?? "",
          tagFilter: options.tagFilter ?? "",
          pageSize: options.pageSize ?? 100,
          pageToken,
        })
      );
      return { items: response.leases, next: response.nextPageToken };
    });
  }

  async releaseLease(name: string): Promise<void> {
    await this.#call(() =>
      this.client.deleteLease({ name: `namespaces/${this.namespace}/leases/${name}` })
    );
  }

  extendLease(name: string, durationMs: number): Promise<Lease> {
    return this.#call(() =>
      this.client.updateLease({
        lease: {
          name: `namespaces/${this.namespace}/leases/${name}`,
          duration: durationFromMs(durationMs),
        },
        updateMask: { paths: ["duration"] },
      })
    );
  }

  /** Every exporter matching `filter`, fetched `pageSize` at a time (default 100). */
  /** Changes a lease's begin time and/or gives it to another client (by name). */
  updateLease(name: string, change: { beginTime?: Date; client?: string }): Promise<Lease> {
    const paths = [
      ...(change.beginTime ? ["begin_time"] : []),
      ...(change.client ? ["client"] : []),
    ];
    return this.#call(() =>
      this.client.updateLease({
        lease: {
          name: `namespaces/${this.namespace}/leases/${name}`,
          beginTime: change.beginTime ? timestampFromDate(change.beginTime) : undefined,
          client: change.client
            ? `namespaces/${this.namespace}/clients/${change.client}`
            : undefined,
        },
        updateMask: { paths },
      })
    );
  }

  async listExporters(filter = "", pageSize = 100): Promise<Exporter[]> {
    return await allPages(async (pageToken) => {
      const response = await this.#call(() =>
        this.client.listExporters({
          parent: `namespaces/${this.namespace}`,
          filter,
          pageSize,
          pageToken,
        })
      );
      return { items: response.exporters, next: response.nextPageToken };
    });
  }

  /** Asks for a router stream to the lease's exporter. */
  dial(leaseName: string): Promise<{ routerEndpoint: string; routerToken: string }> {
    return this.#call(() => this.controller.dial({ leaseName }));
  }

  /** A RouterService client for an endpoint the controller named (one connection each). */
  router(endpoint: string): Client<typeof RouterService> {
    return this.#routers.get(endpoint);
  }

  close(): Promise<void> {
    this.#transport.close();
    this.#routers.close();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Follows next_page_token until the last page. */
async function allPages<T>(
  fetch: (pageToken: string) => Promise<{ items: T[]; next: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let token = "";
  do {
    const { items, next } = await fetch(token);
    all.push(...items);
    token = next;
  } while (token);
  return all;
}
