/**
 * Where the device fixture gets its board: the session's (`JUMPSTARTER_HOST`),
 * a lease from the configured controller, or a local exporter config served
 * in this process.
 *
 * @module
 */
import { directFromEnv, type DirectOptions } from "../src/client/direct.ts";
import { acquire, type HeldLease } from "../src/client/lease_acquire.ts";
import { formatQueueLine } from "../src/client/lease_status.ts";
import { type ClientConfig, resolveClientConfig } from "../src/config/client_config.ts";
import { loadExporterConfig } from "../src/config/exporter_config.ts";
import { FailedPreconditionError } from "../src/driver/errors.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { registry } from "../drivers/registry.ts";
import { type Guardian, leaseGuardianEnv, startGuardian } from "./guardian.ts";
import { closeOnSignal, forgetOnSignal } from "./signal_release.ts";

/**
 * Where the fixture gets its board: the session's, if there is one; else a
 * lease, if a selector or exporter name is given; else `exporterConfig`
 * served locally.
 *
 * @example
 * ```ts
 * import { device, type DeviceOptions } from "@jumpstarter/jumpstarter/testing";
 *
 * const options: DeviceOptions = {
 *   exporterConfig: "examples/virtual-board.yaml", // local mode: no session, no lease
 *   logLines: 100, // exporter log lines kept for failure reports
 * };
 * await using dut = await device(options);
 * await dut.power.on();
 * ```
 */
export interface DeviceOptions {
  /** Local mode: this exporter config (path or URL), used when there is no session and no lease. */
  exporterConfig?: string | URL;
  /** Distributed mode: lease a board matching this selector from the configured controller. */
  selector?: string;
  /** Distributed mode: lease this exporter by name. */
  exporterName?: string;
  /** Lease duration (default 30m). */
  duration?: string;
  /** ClientConfig file (default: JMP_CLIENT_CONFIG, JMP_ENDPOINT+JMP_TOKEN, or the current client). */
  clientConfig?: string;
  /** How long to wait for a lease, in ms (default 5 min). */
  acquireTimeout?: number;
  /**
   * Keep waiting while no exporter matches the selector at all (default: only
   * when `acquireTimeout` is given; else that fails at once with the reason).
   */
  waitForExporter?: boolean;
  /** Exporter log lines kept for failure reports (default 40). */
  logLines?: number;
}

/** How a test's board was obtained. */
export type DeviceOrigin = "session" | "lease" | "local";

/** A board obtained for a test, not yet connected. */
export interface DeviceSource {
  /** How the board was obtained. */
  origin: DeviceOrigin;
  /** The exporter address the test talks to. */
  host: string;
  /** A direct-mode session's passphrase and trust (`jumpstarter shell --tls-grpc`). */
  direct?: DirectOptions;
  /** The lease, when leased. */
  held?: HeldLease;
  /** Gives the board back: releases the lease or stops the local exporter. */
  release(): Promise<void>;
  /** The lease's guardian, started as soon as the lease existed. */
  guardian?: Guardian;
}

/** True when the run names a lab itself, not only through a stored current client. */
function labAsked(options: DeviceOptions): boolean {
  return options.clientConfig !== undefined || !!Deno.env.get("JMP_CLIENT_CONFIG") ||
    !!Deno.env.get("JMP_ENDPOINT");
}

/**
 * Obtains the board `options` ask for: the session's, else a lease, else the
 * local config. A suite that can run both ways (a selector and an
 * `exporterConfig`) leases only when the run names a lab (`clientConfig`,
 * `JMP_CLIENT_CONFIG` or `JMP_ENDPOINT`): a stored current client alone does
 * not turn it into a leased run.
 */
export async function obtainBoard(options: DeviceOptions): Promise<DeviceSource> {
  const sessionHost = Deno.env.get("JUMPSTARTER_HOST");
  if (sessionHost) {
    const { host, direct } = await directFromEnv(sessionHost);
    return { origin: "session", host, direct, release: () => Promise.resolve() };
  }
  const wantsLease = options.selector !== undefined || options.exporterName !== undefined;
  const leases = wantsLease && (options.exporterConfig === undefined || labAsked(options));
  const client = leases ? await resolveClientConfig(options.clientConfig) : undefined;
  if (client) return await leaseBoard(options, client);
  if (options.exporterConfig !== undefined) {
    const path = options.exporterConfig instanceof URL
      ? options.exporterConfig.pathname
      : options.exporterConfig;
    const local = await serveLocal(await loadExporterConfig(path), registry);
    return { origin: "local", host: local.host, release: local.close };
  }
  throw new FailedPreconditionError(
    wantsLease
      ? "No device: a selector was given but no client config is set (JMP_CLIENT_CONFIG, --client-config, or jumpstarter config client import); set one, run inside `jumpstarter shell`, or give exporterConfig for local mode"
      : "No device: run inside `jumpstarter shell` (JUMPSTARTER_HOST), give a selector with a client config (JMP_CLIENT_CONFIG), or give exporterConfig for local mode",
  );
}

/**
 * Leases a board, printing where it stands in the queue. A guardian watches
 * the lease from the moment it exists, and SIGINT or SIGTERM while waiting
 * releases it: a board is never left taken by a test that is gone.
 */
async function leaseBoard(options: DeviceOptions, client: ClientConfig): Promise<DeviceSource> {
  let guardian: Guardian | undefined;
  const stop = new AbortController();
  let acquiring: Promise<HeldLease> | undefined;
  const pending = {
    close: async () => {
      stop.abort(new DOMException("Interrupted while waiting for a board", "AbortError"));
      await acquiring?.catch(() => {});
      await guardian?.done();
    },
  };
  closeOnSignal(pending);
  let last = "";
  try {
    acquiring = acquire({
      clientConfig: client,
      selector: options.selector,
      exporterName: options.exporterName,
      duration: options.duration ?? "30m",
      timeoutMs: options.acquireTimeout ?? 300_000,
      // A timeout the test chose is how long it will wait for an exporter to appear.
      waitForExporter: options.waitForExporter ?? options.acquireTimeout !== undefined,
      signal: stop.signal,
      onCreated: (name) => guardian = startGuardian(leaseGuardianEnv(name, client)),
      onWait: (status) => {
        const line = formatQueueLine(status);
        if (line !== last) console.error(last = line);
      },
    });
    const held = await acquiring;
    return { origin: "lease", host: held.tunnel.host, held, release: held.close, guardian };
  } catch (error) {
    await guardian?.done();
    throw error;
  } finally {
    forgetOnSignal(pending);
  }
}
