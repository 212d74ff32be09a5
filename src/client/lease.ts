/**
 * Leasing a board from a controller: create (or reuse) a lease, wait in the
 * queue until it is Ready, and tunnel ExporterService connections through
 * the router via a private local socket, so everything that works in local
 * mode (`env()`, driver commands, tests) works unchanged on a leased board.
 *
 * @module
 */

import type { Lease } from "../gen/jumpstarter/client/v1/client_pb.ts";
import { type ClientConfig, resolveClientConfig } from "../config/client_config.ts";
import {
  DriverError,
  DriverTimeoutError,
  FailedPreconditionError,
  messageOf,
  UnavailableError,
} from "../driver/errors.ts";
import { spliceToRouter } from "../transport/router_splice.ts";
import { openRawSplice } from "../transport/raw_splice.ts";
import { spliceConns } from "../transport/splice_conns.ts";
import { withPrefix } from "../transport/prefixed_conn.ts";
import type { FastTarget } from "../transport/fast/dial.ts";
import { siblingPath } from "../transport/fast/protocol.ts";
import { type ByteConn, closeQuietly } from "../transport/byte_conn.ts";
import { connect, type Connected } from "./connect.ts";
import { ControllerClient, type LeaseSpec } from "./controller_client.ts";
import type { CompositeClient, DriverClient } from "./driver_client.ts";
import { parseDuration } from "./duration.ts";
import type { ClientRegistry } from "./tree.ts";

/** Where a pending lease stands, for progress lines. */
export interface QueueStatus {
  lease: string;
  position?: number;
  estimatedStart?: Date;
  reason: string;
  message: string;
}

/** The short name of a `namespaces/NS/leases/NAME` resource. */
export function leaseShortName(lease: Lease | string): string {
  const name = typeof lease === "string" ? lease : lease.name;
  return name.replace(/^.*\//, "");
}

/** The condition of `type` on a wire lease. */
export function leaseCondition(lease: Lease, type: string) {
  return lease.conditions.find((c) => c.type === type);
}

/** Queue facts of a pending lease. */
export function queueStatus(lease: Lease): QueueStatus {
  const pending = leaseCondition(lease, "Pending");
  const position = lease.context["jumpstarter.dev/queue-position"];
  const eta = lease.context["jumpstarter.dev/estimated-start"];
  return {
    lease: leaseShortName(lease),
    position: position ? Number(position) : undefined,
    estimatedStart: eta ? new Date(eta) : undefined,
    reason: pending?.reason ?? "",
    message: pending?.message ?? "",
  };
}

/** Waits until the lease is Ready; throws when it ends, cannot be satisfied, or times out. */
export async function waitForLease(
  controller: ControllerClient,
  name: string,
  options: { timeoutMs?: number; onWait?: (status: QueueStatus) => void; signal?: AbortSignal } =
    {},
): Promise<Lease> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  let delay = 100;
  while (true) {
    const lease = await controller.getLease(name);
    if (leaseCondition(lease, "Ready")?.status === "True") return lease;
    const unsatisfiable = leaseCondition(lease, "Unsatisfiable");
    if (lease.effectiveEndTime) {
      const why = unsatisfiable?.status === "True"
        ? `cannot be satisfied: ${unsatisfiable.message || unsatisfiable.reason}`
        : `ended (${leaseCondition(lease, "Ready")?.reason ?? "unknown"})`;
      throw new FailedPreconditionError(`Lease "${name}" ${why}`);
    }
    const status = queueStatus(lease);
    options.onWait?.(status);
    if (Date.now() >= deadline) {
      throw new DriverTimeoutError(
        `Lease "${name}" was not ready within ${Math.round((options.timeoutMs ?? 0) / 1000)} s: ${
          status.message || status.reason || "pending"
        }`,
      );
    }
    if (options.signal?.aborted) throw options.signal.reason;
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, 1000);
  }
}

/** A private local socket whose every connection is tunneled to the lease's exporter. */
export interface LeaseTunnel extends AsyncDisposable {
  /** `unix://` address for `JUMPSTARTER_HOST`. */
  host: string;
  /**
   * Opens the exporter's fast channel straight through the router (a raw
   * splice from this process, no hop through the tunnel's socket), for a
   * client in this process: `connect(host, { fastTarget })`.
   */
  fastTarget: FastTarget;
  close(): Promise<void>;
}

/** Opens the tunnel of a Ready lease. */
export async function openTunnel(
  controller: ControllerClient,
  leaseName: string,
  options: { routerSplice?: boolean } = {},
): Promise<LeaseTunnel> {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-lease-" });
  await Deno.chmod(dir, 0o700);
  const path = `${dir}/exporter.sock`;
  // The gRPC socket and its fast sibling are carried alike: the exporter tells
  // the two apart by their first bytes.
  const paths = [path, siblingPath(path)];
  const listeners = paths.map((p) => Deno.listen({ transport: "unix", path: p }));
  for (const p of paths) await Deno.chmod(p, 0o600);
  const stop = new AbortController();
  const open = new Set<ByteConn>();
  stop.signal.addEventListener("abort", () => {
    for (const conn of open) closeQuietly(conn);
  }, { once: true });
  /** Dials a new stream of the lease: a raw splice when the router takes one (closed with the tunnel). */
  const dial = async () => {
    if (stop.signal.aborted) throw new UnavailableError("The lease tunnel is closed");
    const { routerEndpoint, routerToken } = await controller.dial(leaseName);
    const spliced = options.routerSplice === false
      ? undefined
      : await openRawSplice(routerEndpoint, routerToken);
    if (!spliced) return { routerEndpoint, routerToken };
    const conn = withPrefix(spliced.conn, spliced.leftover);
    const raw: ByteConn = {
      read: (buffer) => conn.read(buffer),
      write: (data) => conn.write(data),
      closeWrite: () => conn.closeWrite(),
      close: () => {
        open.delete(raw);
        conn.close();
      },
    };
    open.add(raw);
    if (stop.signal.aborted) closeQuietly(raw);
    return { raw, routerEndpoint, routerToken };
  };
  const fastTarget: FastTarget = {
    name: `lease ${leaseName} through the router`,
    async dial() {
      const { raw, routerEndpoint } = await dial();
      if (!raw) {
        throw new UnavailableError(`The router at ${routerEndpoint} does not offer raw splices`);
      }
      return raw;
    },
  };
  const running = new Set<Promise<void>>();
  const carry = async (conn: Deno.UnixConn) => {
    try {
      const { raw, routerEndpoint, routerToken } = await dial();
      // Our router takes the bytes raw; anyone else's gets the wire-compatible Stream.
      if (raw) await spliceConns(conn, raw);
      else await spliceToRouter(conn, controller.router(routerEndpoint), routerToken, stop.signal);
    } catch {
      closeQuietly(conn);
    }
  };
  const accepting = listeners.map((listener) =>
    (async () => {
      for await (const conn of listener) {
        const task = carry(conn);
        running.add(task);
        task.finally(() => running.delete(task));
      }
    })().catch(() => {})
  );
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      stop.abort();
      for (const listener of listeners) {
        try {
          listener.close();
        } catch { /* closed */ }
      }
      await Promise.all(accepting);
      await Promise.allSettled([...running]);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  return { host: `unix://${path}`, fastTarget, close, [Symbol.asyncDispose]: close };
}

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
}

/** A held lease: its controller connection, its tunnel, and how to give it back. */
export interface HeldLease extends AsyncDisposable {
  controller: ControllerClient;
  name: string;
  tunnel: LeaseTunnel;
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
      };
      name = leaseShortName(await controller.createLease(spec));
    }
    await waitForLease(controller, name, { timeoutMs: options.timeoutMs, onWait: options.onWait });
    const tunnel = await openTunnel(controller, name, { routerSplice: options.routerSplice });
    const leaseName = name;
    let closing: Promise<void> | undefined;
    const close = () =>
      closing ??= (async () => {
        await tunnel.close();
        if (created) await controller.releaseLease(leaseName).catch(() => {});
        await controller.close();
      })();
    return { controller, name, tunnel, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    if (created && name) await controller.releaseLease(name).catch(() => {});
    await controller.close();
    if (error instanceof DriverError) throw error;
    throw new DriverError("unavailable", `Cannot lease a board: ${messageOf(error)}`);
  }
}

/**
 * Leases a board and returns its driver tree, like `env()`; disposing it
 * closes the connection and releases the lease.
 *
 * @example Needs a controller and a client config (see docs/distributed.md):
 * ```ts ignore
 * import { lease } from "./lease.ts";
 * import { registry, type VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * await using dut = await lease<VirtualBoard>({
 *   selector: "board=virtual",
 *   duration: "10m",
 *   registry,
 * });
 * await dut.power.on();
 * ```
 */
export async function lease<T extends DriverClient = CompositeClient>(
  options: LeaseOptions & { registry: ClientRegistry },
): Promise<Connected<T>> {
  const held = await acquire(options);
  let root: Connected<T>;
  try {
    root = await connect<T>(held.tunnel.host, {
      fastTarget: held.tunnel.fastTarget,
      registry: options.registry,
    });
  } catch (error) {
    await held.close();
    throw error;
  }
  const closeClient = root.close;
  const close = async () => {
    await closeClient();
    await held.close();
  };
  Object.defineProperties(root, {
    close: { value: close, configurable: true, writable: true },
    [Symbol.asyncDispose]: { value: close, configurable: true, writable: true },
    lease: { value: { name: held.name, controller: held.controller } },
  });
  return root;
}

/** Formats an estimated start for a progress line. */
export function formatEta(date: Date | undefined): string {
  if (!date) return "unknown";
  const ms = date.getTime() - Date.now();
  if (ms <= 1000) return "any moment";
  const minutes = Math.round(ms / 60000);
  return minutes < 1
    ? `in ${Math.round(ms / 1000)}s`
    : `in ~${minutes} min (${date.toLocaleTimeString()})`;
}
