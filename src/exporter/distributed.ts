/**
 * Distributed mode: the exporter registers with a controller, follows its
 * Status stream for lease assignments, and reconnects with backoff when the
 * controller goes away. Each lease (its hooks and the dials it answers by
 * splicing router streams to this exporter) is run by `lease_runner.ts`;
 * the status it reports is kept by `status_report.ts`.
 *
 * @module
 */
import { type Client, createClient } from "@connectrpc/connect";
import { ControllerService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import type { ExporterConfig } from "../config/exporter_config.ts";
import { ConfigError } from "../driver/config_check.ts";
import type { Registry } from "../driver/registry.ts";
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import {
  type ControllerTransport,
  controllerTransport,
} from "../transport/controller_transport.ts";
import { fromConnectError } from "../transport/errors.ts";
import { RouterClients } from "../transport/router_splice.ts";
import { hookFrom } from "./hooks.ts";
import { LeaseRunner } from "./lease_runner.ts";
import { type LocalExporter, serveLocal } from "./local.ts";
import { StatusReport } from "./status_report.ts";

/** Tunables, mostly for tests. */
export interface DistributedOptions {
  log: Logger;
  /** Longest wait between reconnection attempts. */
  maxBackoffMs?: number;
}

/** An exporter attached to a controller. */
export class DistributedExporter implements AsyncDisposable {
  readonly #stop = new AbortController();
  readonly #status: StatusReport;
  readonly #leases: LeaseRunner;
  #link?: { transport: ControllerTransport; controller: Client<typeof ControllerService> };
  readonly #routers: RouterClients;
  #running?: Promise<void>;
  /** Resolves when the exporter must exit (a hook with onFailure: exit failed). */
  readonly exitRequested: PromiseWithResolvers<string> = Promise.withResolvers();

  private constructor(
    readonly config: ExporterConfig,
    readonly local: LocalExporter,
    readonly options: Required<DistributedOptions>,
  ) {
    this.#routers = new RouterClients(config.tls);
    this.#status = new StatusReport(local.exporter, options.log);
    this.#leases = new LeaseRunner(
      config,
      local,
      this.#routers,
      this.#status,
      options.log,
      (reason) => this.exitRequested.resolve(reason),
    );
  }

  /** Builds the drivers, serves them on a private socket and starts the controller link. */
  static async start(
    config: ExporterConfig,
    registry: Registry,
    options: DistributedOptions,
  ): Promise<DistributedExporter> {
    if (!config.endpoint || !config.token) {
      throw new ConfigError(
        `Exporter config "${
          config.source ?? config.metadata.name
        }" has no endpoint/token: create it with "controller admin create exporter", or serve it with --local`,
      );
    }
    hookFrom(config.hooks, "beforeLease");
    hookFrom(config.hooks, "afterLease");
    const local = await serveLocal(config, registry, { log: options.log });
    const exporter = new DistributedExporter(config, local, {
      // No heartbeat call: liveness rides on the Status stream's HTTP/2 session, which
      // the transport PINGs every 10 s (a dead controller link is found that way too),
      // and which the controller takes as this exporter's sign of life.
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      log: options.log,
    });
    exporter.local.exporter.state = "available";
    exporter.#running = exporter.#run();
    return exporter;
  }

  get log(): Logger {
    return this.options.log;
  }

  #connect() {
    this.#link?.transport.close();
    const transport = controllerTransport(this.config.endpoint!, {
      tls: this.config.tls,
      credentials: {
        token: this.config.token!,
        kind: "Exporter",
        namespace: this.config.metadata.namespace,
        name: this.config.metadata.name,
      },
    });
    this.#link = { transport, controller: createClient(ControllerService, transport.transport) };
    return this.#link.controller;
  }

  async #run(): Promise<void> {
    let backoff = 250;
    while (!this.#stop.signal.aborted) {
      const attempt = new AbortController();
      const signal = AbortSignal.any([attempt.signal, this.#stop.signal]);
      try {
        const controller = this.#connect();
        await controller.register({
          labels: {},
          reports: this.local.exporter.tree.report(),
        }, { signal });
        this.log.info(
          `registered with ${this.config.endpoint} as ${this.config.metadata.namespace}/${this.config.metadata.name}`,
        );
        backoff = 250;
        await this.#status.report(controller);
        for await (const update of controller.status({}, { signal })) {
          if (update.leased && update.leaseName) {
            this.#leases.begin(controller, update.leaseName, update.clientName ?? "");
          } else if (!update.leased) await this.#leases.end(controller);
        }
        if (!this.#stop.signal.aborted) {
          this.log.warning("the controller closed the status stream; reconnecting");
        }
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        const reason = messageOf(fromConnectError(error));
        if (/unauthenticated|revoked|Invalid token/i.test(reason)) {
          this.log.error(`the controller refused this exporter's token: ${reason}`);
        } else {
          this.log.warning(`controller link lost: ${reason}; retrying in ${backoff} ms`);
        }
      } finally {
        attempt.abort();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.#stop.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
    }
  }

  /** Unregisters, stops the link and closes the drivers. */
  async close(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const controller = this.#link?.controller;
    if (controller) {
      await controller.unregister({ reason: "the exporter is shutting down" }, { timeoutMs: 2000 })
        .catch(() => {});
    }
    this.#leases.stop();
    this.#stop.abort();
    await this.#running;
    this.#link?.transport.close();
    this.#routers.close();
    await this.local.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
