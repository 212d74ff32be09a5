/**
 * The leases a distributed exporter is given, one at a time: on a lease its
 * beforeLease hook, then readiness and the dials it answers; at the lease's
 * end its afterLease hook, a reset of the drivers and availability again.
 * A lease seen again after a controller restart is only listened to again.
 *
 * @module
 */
import { ExporterStatus } from "../gen/jumpstarter/v1/common_pb.ts";
import type { ExporterConfig } from "../config/exporter_config.ts";
import { messageOf } from "../driver/error_message.ts";
import type { Logger } from "../log.ts";
import { fromConnectError } from "../transport/errors.ts";
import type { RouterClients } from "../transport/router_splice.ts";
import { type Hook, hookFrom } from "./hooks.ts";
import { type HookRun, runAfterLease, runBeforeLease } from "./lease_hooks.ts";
import type { LocalExporter } from "./local.ts";
import { serveDial } from "./router_dial.ts";
import type { ControllerClient, StatusReport } from "./status_report.ts";

interface LeaseSession {
  name: string;
  client: string;
  stop: AbortController;
  ready: Promise<void>;
}

/** Runs the exporter's leases. */
export class LeaseRunner {
  #session?: LeaseSession;
  readonly #before?: Hook;
  readonly #after?: Hook;

  constructor(
    readonly config: ExporterConfig,
    readonly local: LocalExporter,
    readonly routers: RouterClients,
    readonly status: StatusReport,
    readonly log: Logger,
    /** Asks the exporter to exit (a hook with onFailure: exit failed). */
    readonly exit: (reason: string) => void,
  ) {
    this.#before = hookFrom(config.hooks, "beforeLease");
    this.#after = hookFrom(config.hooks, "afterLease");
  }

  #hookRun(controller: ControllerClient, session: LeaseSession): HookRun {
    return {
      env: {
        JUMPSTARTER_HOST: this.local.host,
        LEASE_NAME: session.name,
        CLIENT_NAME: session.client,
        EXPORTER_NAME: this.config.metadata.name,
      },
      log: this.log,
      setStatus: (status, message, release) =>
        this.status.set(controller, status, message, release),
      exit: this.exit,
    };
  }

  /** The controller assigned lease `leaseName` to `client`. */
  begin(controller: ControllerClient, leaseName: string, client: string): void {
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
      if (!await runBeforeLease(this.#before, this.#hookRun(controller, session))) return;
      await this.status.set(controller, ExporterStatus.LEASE_READY);
      void this.#listen(controller, session);
    })();
  }

  async #listen(controller: ControllerClient, session: LeaseSession): Promise<void> {
    try {
      for await (
        const dial of controller.listen({ leaseName: session.name }, {
          signal: session.stop.signal,
        })
      ) {
        void serveDial(this.local, this.routers, {
          endpoint: dial.routerEndpoint,
          token: dial.routerToken,
          stop: session.stop.signal,
        }, this.log);
      }
    } catch (error) {
      if (!session.stop.signal.aborted) {
        this.log.debug(`listen ended: ${messageOf(fromConnectError(error))}`);
      }
    }
  }

  /** The controller says the exporter is not leased (any more). */
  async end(controller: ControllerClient): Promise<void> {
    const session = this.#session;
    if (!session) {
      if (this.status.current !== ExporterStatus.AVAILABLE) {
        await this.status.set(controller, ExporterStatus.AVAILABLE);
      }
      return;
    }
    this.#session = undefined;
    session.stop.abort();
    await session.ready.catch(() => {});
    this.log.info(`lease ${session.name} ended`);
    if (!await runAfterLease(this.#after, this.#hookRun(controller, session))) return;
    await this.local.exporter.reset().catch((error) =>
      this.log.error(`reset failed: ${messageOf(error)}`)
    );
    if (this.config.exitOnLeaseEnd) {
      this.exit(`lease ${session.name} ended and exitOnLeaseEnd is set`);
      return;
    }
    await this.status.set(controller, ExporterStatus.AVAILABLE);
  }

  /** Stops the streams of the current lease (the exporter is closing). */
  stop(): void {
    this.#session?.stop.abort();
  }
}
