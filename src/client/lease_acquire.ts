/**
 * Acquiring a lease: create one (or reuse a named one), wait until it is
 * Ready, and open its tunnel; the held lease gives it all back on close.
 *
 * @module
 */
import type { DriversPolicy } from "../config/client_config_fields.ts";
import type { DialRetry } from "./dial_retry.ts";
import { type ClientConfig, resolveClientConfig } from "../config/client_config.ts";
import { DriverError } from "../driver/driver_error.ts";
import { FailedPreconditionError } from "../driver/errors.ts";
import { messageOf } from "../driver/error_message.ts";
import { ControllerClient, type LeaseSpec } from "./controller_client.ts";
import { parseDuration } from "./duration.ts";
import { LeaseKeepalive } from "./lease_keepalive.ts";
import { leaseShortName, type QueueStatus } from "./lease_status.ts";
import { type LeaseTunnel, openTunnel } from "./lease_tunnel.ts";
import { waitForLease } from "./lease_wait.ts";

/**
 * Options of `lease()`.
 *
 * @example Needs a controller and a client config (see docs/distributed.md):
 * ```ts ignore
 * import { lease, type LeaseOptions, type VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * const options: LeaseOptions = {
 *   selector: "board=virtual",
 *   duration: "10m",
 *   timeoutMs: 5 * 60_000,
 *   onWait: ({ position }) => console.log(`waiting, position ${position ?? "?"}`),
 * };
 * await using dut = await lease<VirtualBoard>(options);
 * await dut.power.on();
 * ```
 */
export interface LeaseOptions {
  /** Label selector (string form), e.g. `board=virtual`. */
  selector?: string;
  /** A specific exporter by name. */
  exporterName?: string;
  /** `10m`, `1h`, or milliseconds. */
  duration?: string | number;
  /** Reuse an existing lease instead of creating one (it is not released at the end). */
  leaseName?: string;
  /** How long to wait in the queue (default: forever). */
  timeoutMs?: number;
  /** A ClientConfig file or object; default: JMP_CLIENT_CONFIG, env, or the current client. */
  clientConfig?: string | ClientConfig;
  requeueOnExporterLoss?: boolean;
  onWait?: (status: QueueStatus) => void;
  /**
   * Carry streams as raw splices when the router offers them (default true;
   * `JMP_ROUTER_SPLICE=off` turns it off too); false keeps every stream on
   * the wire-compatible gRPC Stream.
   */
  routerSplice?: boolean;
  /** Stops waiting in the queue: the lease this call created is released, and the call rejects. */
  signal?: AbortSignal;
  /** Called with the new lease's name as soon as the controller made it (before any wait). */
  onCreated?: (name: string) => void;
  /** Keep waiting while no exporter matches at all (see `waitForLease`). */
  waitForExporter?: boolean;
  /** Dial retry limits over the client config's `leases.dial_timeout` / `retry_timeout`. */
  dialRetry?: Partial<DialRetry>;
}

/** A held lease: its controller connection, its tunnel, and how to give it back. */
export interface HeldLease extends AsyncDisposable {
  controller: ControllerClient;
  name: string;
  tunnel: LeaseTunnel;
  /** The client config's `drivers` policy, for connecting through the tunnel. */
  drivers: DriversPolicy;
  /** Closes the tunnel, releases the lease if this process created it, closes the connection. */
  close(): Promise<void>;
}

/** Creates or reuses a lease, waits until Ready, and opens its tunnel. */
export async function acquire(options: LeaseOptions): Promise<HeldLease> {
  const config = typeof options.clientConfig === "object"
    ? options.clientConfig
    : await resolveClientConfig(options.clientConfig);
  if (!config) {
    throw new FailedPreconditionError(
      "No client config: pass --client-config FILE, set JMP_CLIENT_CONFIG, or import one (jumpstarter config client import)",
    );
  }
  const controller = new ControllerClient(config);
  let name = options.leaseName;
  const created = !name;
  let keepalive: LeaseKeepalive | undefined;
  try {
    if (!name) {
      const durationMs = typeof options.duration === "number"
        ? options.duration
        : parseDuration(options.duration ?? "30m");
      const spec: LeaseSpec = {
        selector: options.selector,
        exporterName: options.exporterName,
        durationMs,
        requeueOnExporterLoss: options.requeueOnExporterLoss,
        keepalive: true,
      };
      const made = await controller.createLease(spec);
      name = leaseShortName(made);
      keepalive = LeaseKeepalive.start(controller, name, made);
      options.onCreated?.(name);
    }
    await waitForLease(controller, name, {
      timeoutMs: options.timeoutMs ?? config.leases.acquisitionTimeoutMs,
      onWait: options.onWait,
      signal: options.signal,
      waitForExporter: options.waitForExporter,
    });
    const tunnel = await openTunnel(controller, name, {
      routerSplice: options.routerSplice,
      retry: { ...config.leases, ...options.dialRetry },
    });
    const leaseName = name;
    let closing: Promise<void> | undefined;
    const close = () =>
      closing ??= (async () => {
        await tunnel.close();
        keepalive?.stop();
        if (created) await controller.releaseLease(leaseName).catch(() => {});
        await controller.close();
      })();
    const drivers = config.drivers;
    return { controller, name, tunnel, drivers, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    keepalive?.stop();
    if (created && name) await controller.releaseLease(name).catch(() => {});
    await controller.close();
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    if (error instanceof DriverError) throw error;
    throw new DriverError("unavailable", `Cannot lease a board: ${messageOf(error)}`);
  }
}
