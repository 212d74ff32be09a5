/**
 * Distributed mode: the exporter registers with a controller, follows its
 * Status stream for lease assignments, runs lease hooks, answers dial
 * requests by splicing router streams to its own ExporterService socket, and
 * reconnects with backoff when the controller goes away.
 *
 * @module
 */
import { type Client, createClient } from "@connectrpc/connect";
import { ControllerService } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import type { ExporterConfig } from "../config/exporter_config.ts";
import { ConfigError } from "../driver/config_check.ts";
import type { Registry } from "../driver/registry.ts";
import { messageOf } from "../driver/errors.ts";
import type { Logger } from "../log.ts";
import {
  type ControllerTransport,
  controllerTransport,
} from "../transport/controller_transport.ts";
import { fromConnectError } from "../transport/errors.ts";
import { RouterClients, spliceToRouter } from "../transport/router_splice.ts";
import { openRawSplice } from "../transport/raw_splice.ts";
import { readSome } from "../transport/first_bytes.ts";
import { spliceConns } from "../transport/splice_conns.ts";
import { withPrefix } from "../transport/prefixed_conn.ts";
import { closeQuietly } from "../transport/byte_conn.ts";
import { type Hook, hookFrom, runHook } from "./hooks.ts";
import { type LocalExporter, serveLocal } from "./local.ts";

/** Tunables, mostly for tests. */
export interface DistributedOptions {
  log: Logger;
  heartbeatMs?: number;
  /** Longest wait between reconnection attempts. */
  maxBackoffMs?: number;
}

interface LeaseSession {
  name: string;
  client: string;
  stop: AbortController;
  ready: Promise<void>;
}

/** An exporter attached to a controller. */
export class DistributedExporter implements AsyncDisposable {
  readonly #stop = new AbortController();
  #status: ExporterStatus = ExporterStatus.AVAILABLE;
  #statusMessage = "";
  #session?: LeaseSession;
  #link?: { transport: ControllerTransport; controller: Client<typeof ControllerService> };
  readonly #routers: RouterClients;
  #running?: Promise<void>;
  readonly #before?: Hook;
  readonly #after?: Hook;
  /** Resolves when the exporter must exit (a hook with onFailure: exit failed). */
  readonly exitRequested: PromiseWithResolvers<string> = Promise.withResolvers();

  private constructor(
    readonly config: ExporterConfig,
    readonly local: LocalExporter,
    readonly options: Required<DistributedOptions>,
  ) {
    this.#routers = new RouterClients(config.tls.ca);
    this.#before = hookFrom(config.hooks, "beforeLease");
    this.#after = hookFrom(config.hooks, "afterLease");
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
      // Liveness rides on the Status stream; the heartbeat is a backstop, sized so a
      // controller with 10,000 exporters spends under 10% of a core on them.
      heartbeatMs: options.heartbeatMs ?? 60_000,
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
      caBase64: this.config.tls.ca,
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
      let heartbeat: ReturnType<typeof setInterval> | undefined;
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
        await this.#report(controller);
        heartbeat = setInterval(() => {
          this.#report(controller).catch(() => attempt.abort());
        }, this.options.heartbeatMs);
        for await (const update of controller.status({}, { signal })) {
          if (update.leased && update.leaseName) {
            this.#beginLease(controller, update.leaseName, update.clientName ?? "");
          } else if (!update.leased) await this.#endLease(controller);
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
        if (heartbeat !== undefined) clearInterval(heartbeat);
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

  async #report(controller: Client<typeof ControllerService>, releaseLease = false): Promise<void> {
    await controller.reportStatus({
      status: this.#status,
      message: this.#statusMessage,
      releaseLease,
    });
  }

  async #setStatus(
    controller: Client<typeof ControllerService>,
    status: ExporterStatus,
    message = "",
    release = false,
  ) {
    this.#status = status;
    this.#statusMessage = message;
    this.local.exporter.state = status === ExporterStatus.LEASE_READY ? "lease_ready" : "available";
    await this.#report(controller, release).catch((error) => {
      this.log.warning(`cannot report status: ${messageOf(fromConnectError(error))}`);
    });
  }

  #hookEnv(session: LeaseSession): Record<string, string> {
    return {
      JUMPSTARTER_HOST: this.local.host,
      LEASE_NAME: session.name,
      CLIENT_NAME: session.client,
      EXPORTER_NAME: this.config.metadata.name,
    };
  }

  #beginLease(
    controller: Client<typeof ControllerService>,
    leaseName: string,
    client: string,
  ): void {
    if (this.#session?.name === leaseName) {
      // Re-attached after a controller restart: listen again, hooks already ran.
      void this.#session.ready.then(() => this.#listen(controller, this.#session!));
      return;
    }
    const session: LeaseSession = {
      name: leaseName,
      client,
      stop: new AbortController(),
      ready: Promise.resolve(),
    };
    this.#session = session;
    this.log.info(`leased to ${client} (lease ${leaseName})`);
    session.ready = (async () => {
      if (this.#before) {
        await this.#setStatus(controller, ExporterStatus.BEFORE_LEASE_HOOK);
        const failure = await runHook(
          this.#before,
          this.#hookEnv(session),
          this.log.child("beforeLease"),
        );
        if (failure) {
          this.log.error(`beforeLease hook ${failure}`);
          if (this.#before.onFailure === "endLease") {
            await this.#setStatus(
              controller,
              ExporterStatus.BEFORE_LEASE_HOOK_FAILED,
              `beforeLease hook ${failure}`,
              true,
            );
            return;
          }
          if (this.#before.onFailure === "exit") {
            await this.#setStatus(
              controller,
              ExporterStatus.BEFORE_LEASE_HOOK_FAILED,
              `beforeLease hook ${failure}`,
              true,
            );
            this.exitRequested.resolve(`beforeLease hook ${failure}`);
            return;
          }
        }
      }
      await this.#setStatus(controller, ExporterStatus.LEASE_READY);
      void this.#listen(controller, session);
    })();
  }

  async #listen(
    controller: Client<typeof ControllerService>,
    session: LeaseSession,
  ): Promise<void> {
    try {
      for await (
        const dial of controller.listen({ leaseName: session.name }, {
          signal: session.stop.signal,
        })
      ) {
        void this.#serveDial(dial.routerEndpoint, dial.routerToken, session);
      }
    } catch (error) {
      if (!session.stop.signal.aborted) {
        this.log.debug(`listen ended: ${messageOf(fromConnectError(error))}`);
      }
    }
  }

  async #serveDial(endpoint: string, token: string, session: LeaseSession): Promise<void> {
    try {
      const raw = await openRawSplice(endpoint, token);
      if (raw) {
        const stop = () => closeQuietly(raw.conn);
        session.stop.signal.addEventListener("abort", stop, { once: true });
        // The client's first bytes say which of our channels it wants: the HTTP/2
        // preface ("PRI ...") is gRPC, spliced to our socket; anything else is the
        // fast channel, served right here on the router's connection (no hop).
        const first = raw.leftover.byteLength > 0 ? raw.leftover : await readSome(raw.conn);
        const fast = this.local.fast;
        if (!first) {
          stop();
        } else if (first[0] !== 0x50 && fast) {
          await fast.serve(withPrefix(raw.conn, first));
        } else {
          const conn = await Deno.connect({ transport: "unix", path: this.local.socketPath });
          await spliceConns(conn, withPrefix(raw.conn, first));
        }
        session.stop.signal.removeEventListener("abort", stop);
        return;
      }
      const conn = await Deno.connect({ transport: "unix", path: this.local.socketPath });
      await spliceToRouter(conn, this.#routers.get(endpoint), token, session.stop.signal);
    } catch (error) {
      if (!session.stop.signal.aborted) {
        this.log.debug(`router stream ended: ${messageOf(fromConnectError(error))}`);
      }
    }
  }

  async #endLease(controller: Client<typeof ControllerService>): Promise<void> {
    const session = this.#session;
    if (!session) {
      if (this.#status !== ExporterStatus.AVAILABLE) {
        await this.#setStatus(controller, ExporterStatus.AVAILABLE);
      }
      return;
    }
    this.#session = undefined;
    session.stop.abort();
    await session.ready.catch(() => {});
    this.log.info(`lease ${session.name} ended`);
    if (this.#after) {
      await this.#setStatus(controller, ExporterStatus.AFTER_LEASE_HOOK);
      const failure = await runHook(
        this.#after,
        this.#hookEnv(session),
        this.log.child("afterLease"),
      );
      if (failure) {
        this.log.error(`afterLease hook ${failure}`);
        if (this.#after.onFailure !== "warn") {
          await this.#setStatus(
            controller,
            ExporterStatus.AFTER_LEASE_HOOK_FAILED,
            `afterLease hook ${failure}`,
          );
          if (this.#after.onFailure === "exit") {
            this.exitRequested.resolve(`afterLease hook ${failure}`);
          }
          return;
        }
      }
    }
    await this.local.exporter.reset().catch((error) =>
      this.log.error(`reset failed: ${messageOf(error)}`)
    );
    await this.#setStatus(controller, ExporterStatus.AVAILABLE);
  }

  /** Unregisters, stops the link and closes the drivers. */
  async close(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const controller = this.#link?.controller;
    if (controller) {
      await controller.unregister({ reason: "the exporter is shutting down" }, { timeoutMs: 2000 })
        .catch(() => {});
    }
    this.#session?.stop.abort();
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
