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
        token: config.token,
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
        lease: {
          selector: spec.selector ?? "",
          exporterName: spec.exporterName,
          duration: durationFromMs(spec.durationMs),
          beginTime: spec.beginTime ? timestampFromDate(spec.beginTime) : undefined,
          tags: spec.tags ?? {},
          context: spec.requeueOnExporterLoss
            ? { "jumpstarter.dev/requeue-on-exporter-loss": "true" }
            : {},
        },
      })
    );
  }

  getLease(name: string): Promise<Lease> {
    return this.#call(() =>
      this.client.getLease({ name: `namespaces/${this.namespace}/leases/${name}` })
    );
  }

  async listLeases(options: { all?: boolean; filter?: string } = {}): Promise<Lease[]> {
    const response = await this.#call(() =>
      this.client.listLeases({
        parent: `namespaces/${this.namespace}`,
        onlyActive: !options.all,
        filter: options.filter ?? "",
      })
    );
    return response.leases;
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

  async listExporters(filter = ""): Promise<Exporter[]> {
    const response = await this.#call(() =>
      this.client.listExporters({ parent: `namespaces/${this.namespace}`, filter })
    );
    return response.exporters;
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
