/**
 * The device fixture for `Deno.test`: one call that gives a test its board,
 * the same way wherever the suite runs. Inside a session (`JUMPSTARTER_HOST`,
 * e.g. under `jumpstarter shell`) it uses that board; with a selector and a
 * configured controller it leases one; else it serves a local exporter
 * config. The board is given back on every exit path: pass, failure,
 * timeout, Ctrl-C.
 *
 * @module
 */
import { connect, type Connected } from "../src/client/connect.ts";
import type { CompositeClient, DriverClient } from "../src/client/driver_client.ts";
import { GrpcSession } from "../src/client/session.ts";
import { acquire, type HeldLease } from "../src/client/lease.ts";
import { resolveClientConfig } from "../src/config/client_config.ts";
import { loadExporterConfig } from "../src/config/exporter_config.ts";
import { FailedPreconditionError } from "../src/driver/errors.ts";
import { messageOf } from "../src/driver/error_message.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { registry } from "../drivers/registry.ts";
import type { Console } from "../drivers/serial/console.ts";
import { SerialClient } from "../drivers/serial/client.ts";
import { withTimeout } from "./timing.ts";

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
  /** Exporter log lines kept for failure reports (default 40). */
  logLines?: number;
}

/** How a test's board was obtained. */
export type DeviceOrigin = "session" | "lease" | "local";

/**
 * A board given to a test.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { type Device, device } from "@jumpstarter/jumpstarter/testing";
 * import assert from "node:assert/strict";
 *
 * await using dut: Device<VirtualBoard> = await device({
 *   exporterConfig: "examples/virtual-board.yaml",
 * });
 * await dut.power.on();
 * console.log(dut.origin, dut.host); // "local unix:///tmp/jumpstarter-.../exporter.sock"
 * assert.match(dut.failureReport(), /--- exporter log/);
 * ```
 */
export type Device<T extends DriverClient> = Connected<T> & {
  /** How the board was obtained. */
  origin: DeviceOrigin;
  /** The exporter address the test talks to (`unix://...`). */
  host: string;
  /** The lease name, when leased. */
  leaseName?: string;
  /** Recent exporter log lines. */
  logTail(): string[];
  /** The consoles opened on this board (their transcripts go into failure reports). */
  consoles(): Console[];
  /** Text added to a failing test's error: console transcripts and the exporter log tail. */
  failureReport(): string;
};

const open = new Set<{ close(): Promise<void> }>();
let signalsHooked = false;

/** On SIGINT/SIGTERM, give every board back in order (a `deno run` script has time for it). */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    Deno.addSignalListener(signal, () => {
      void Promise.allSettled([...open].map((d) => d.close())).then(() => Deno.exit(code));
    });
  }
}

/**
 * Starts the guardian of a board: if this process dies without giving the
 * board back (`deno test` exits at once on Ctrl-C, or SIGKILL), the
 * guardian removes the local socket or releases the lease.
 */
function startGuardian(env: Record<string, string>): { done(): Promise<void> } {
  const child = new Deno.Command(Deno.execPath(), {
    // The board's name in the arguments shows in `ps` what each guardian watches.
    args: [
      "run",
      "-A",
      new URL("./guardian_main.ts", import.meta.url).href,
      env.GUARD_DIR ?? env.GUARD_LEASE,
    ],
    env,
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  return {
    async done() {
      await writer.write(new TextEncoder().encode("released\n")).catch(() => {});
      await writer.close().catch(() => {});
      await child.status;
    },
  };
}

function guardianEnv(held: HeldLease | undefined, host: string): Record<string, string> {
  if (!held) return { GUARD_DIR: host.replace(/^unix:\/\//, "").replace(/\/[^/]*$/, "") };
  const config = held.controller.config;
  return {
    GUARD_LEASE: held.name,
    JMP_ENDPOINT: config.endpoint,
    JMP_TOKEN: config.token,
    JMP_NAMESPACE: config.metadata.namespace,
    JMP_NAME: config.metadata.name,
    JMP_CA: config.tls.ca ?? "",
  };
}

/**
 * Gets the board for a test. Dispose it (`await using`) to give it back.
 *
 * @example
 * ```ts
 * import { device } from "@jumpstarter/jumpstarter/testing";
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 *
 * // The session's board under `jumpstarter shell`, else this config served locally:
 * await using dut = await device<VirtualBoard>({ exporterConfig: "examples/virtual-board.yaml" });
 * await using serial = await dut.serial.open();
 * await dut.power.on();
 * await serial.expect("login: ", { timeout: 30_000 });
 * ```
 */
export async function device<T extends DriverClient = CompositeClient>(
  options: DeviceOptions = {},
): Promise<Device<T>> {
  let origin: DeviceOrigin;
  let host: string;
  let release: () => Promise<void> = () => Promise.resolve();
  let held: HeldLease | undefined;
  const sessionHost = Deno.env.get("JUMPSTARTER_HOST");
  const wantsLease = options.selector !== undefined || options.exporterName !== undefined;
  const client = wantsLease && !sessionHost
    ? await resolveClientConfig(options.clientConfig)
    : undefined;
  if (sessionHost) {
    origin = "session";
    host = sessionHost;
  } else if (client) {
    origin = "lease";
    held = await acquire({
      clientConfig: client,
      selector: options.selector,
      exporterName: options.exporterName,
      duration: options.duration ?? "30m",
      timeoutMs: options.acquireTimeout ?? 300_000,
    });
    host = held.tunnel.host;
    release = held.close;
  } else if (options.exporterConfig !== undefined) {
    origin = "local";
    const path = options.exporterConfig instanceof URL
      ? options.exporterConfig.pathname
      : options.exporterConfig;
    const local = await serveLocal(await loadExporterConfig(path), registry);
    host = local.host;
    release = local.close;
  } else {
    throw new FailedPreconditionError(
      wantsLease
        ? "No device: a selector was given but no client config is set (JMP_CLIENT_CONFIG, --client-config, or jumpstarter config client import); set one, run inside `jumpstarter shell`, or give exporterConfig for local mode"
        : "No device: run inside `jumpstarter shell` (JUMPSTARTER_HOST), give a selector with a client config (JMP_CLIENT_CONFIG), or give exporterConfig for local mode",
    );
  }

  let root: Connected<T>;
  try {
    root = await connect<T>(host, { registry });
  } catch (error) {
    await release();
    throw error;
  }
  const consoles: Console[] = [];
  watchConsoles(root, consoles);
  const logs: string[] = [];
  const stopLogs = new AbortController();
  const following = followLogs(root, logs, options.logLines ?? 40, stopLogs.signal);
  const closeClient = root.close;
  const guardian = origin === "session" ? undefined : startGuardian(guardianEnv(held, host));
  let closing: Promise<void> | undefined;
  const entry = {
    close: () =>
      closing ??= (async () => {
        open.delete(entry);
        stopLogs.abort();
        await Promise.allSettled(consoles.map((c) => c.close()));
        await closeClient().catch(() => {});
        await following;
        await release();
        await guardian?.done();
      })(),
  };
  open.add(entry);
  hookSignals();
  Object.defineProperties(root, {
    close: { value: entry.close, configurable: true, writable: true },
    [Symbol.asyncDispose]: { value: entry.close, configurable: true, writable: true },
    origin: { value: origin },
    host: { value: host },
    leaseName: { value: held?.name },
    logTail: { value: () => [...logs] },
    consoles: { value: () => [...consoles] },
    failureReport: { value: () => failureReport(consoles, logs) },
  });
  return root as Device<T>;
}

/** Records every Console opened through a serial client of the tree. */
function watchConsoles(node: DriverClient, consoles: Console[]): void {
  if (node instanceof SerialClient) {
    const original = node.open.bind(node);
    node.open = async (...args: Parameters<SerialClient["open"]>) => {
      const console = await original(...args);
      consoles.push(console);
      return console;
    };
  }
  for (const child of node.children.values()) watchConsoles(child, consoles);
}

async function followLogs(
  root: DriverClient,
  lines: string[],
  keep: number,
  signal: AbortSignal,
): Promise<void> {
  if (!(root.session instanceof GrpcSession)) return;
  try {
    for await (const entry of root.session.exporter.logStream({}, { signal })) {
      lines.push(`${entry.severity} ${entry.operation ?? ""}: ${entry.message}`);
      if (lines.length > keep) lines.shift();
    }
  } catch {
    // The stream ends when the device closes.
  }
}

function failureReport(consoles: Console[], logs: string[]): string {
  const parts: string[] = [];
  consoles.forEach((console, i) => {
    const text = console.transcript.text();
    parts.push(
      `--- console ${i + 1} transcript (last 2 KB) ---\n${text.slice(-2048) || "(nothing)"}`,
    );
  });
  parts.push(`--- exporter log (last ${logs.length} lines) ---\n${logs.join("\n") || "(nothing)"}`);
  return parts.join("\n");
}

/**
 * Options of `withDevice`.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { withDevice, type WithDeviceOptions } from "@jumpstarter/jumpstarter/testing";
 *
 * const options: WithDeviceOptions = {
 *   exporterConfig: "examples/virtual-board.yaml",
 *   timeout: 60_000, // the whole test, board included
 * };
 * Deno.test("power cycle", withDevice<VirtualBoard>(options, async (_t, dut) => {
 *   await dut.power.cycle(0.1);
 * }));
 * ```
 */
export interface WithDeviceOptions extends DeviceOptions {
  /** Fail the test if it runs longer than this, in ms. */
  timeout?: number;
}

/**
 * Wraps a test body: gets the board, runs the body with it (every `t.step`
 * shares it), adds the console transcripts and the exporter log tail to a
 * failure, and gives the board back on every exit path.
 *
 * @example
 * ```ts
 * import type { VirtualBoard } from "@jumpstarter/jumpstarter";
 * import { withDevice } from "@jumpstarter/jumpstarter/testing";
 *
 * const board = { exporterConfig: "examples/virtual-board.yaml", timeout: 60_000 };
 * Deno.test("login prompt", withDevice<VirtualBoard>(board, async (t, dut) => {
 *   await using serial = await dut.serial.open();
 *   await t.step("power on", () => dut.power.on());
 *   await t.step("login prompt", async () => {
 *     await serial.expect("login: ");
 *   });
 * }));
 * ```
 */
export function withDevice<T extends DriverClient = CompositeClient>(
  options: WithDeviceOptions,
  body: (t: Deno.TestContext, dut: Device<T>) => Promise<void>,
): (t: Deno.TestContext) => Promise<void> {
  return async (t) => {
    const dut = await device<T>(options);
    try {
      const run = body(t, dut);
      await (options.timeout ? withTimeout(run, options.timeout, `Test "${t.name}"`) : run);
    } catch (error) {
      const report = dut.failureReport();
      if (error instanceof Error) {
        error.message = `${error.message}\n${report}`;
        throw error;
      }
      throw new Error(`${messageOf(error)}\n${report}`);
    } finally {
      await dut.close();
    }
  };
}
