/**
 * Local mode: an exporter serving its drivers on a unix socket, either as a
 * daemon (`exporter serve --local`) or in-process for one `jumpstarter shell`.
 * Beside the gRPC socket `P` it offers the fast local channel on `P.fast`
 * (`src/transport/fast/`; listening is `fast/sibling.ts`), advertised in
 * GetReport's labels.
 *
 * @module
 */
import { makeOwnedTempDir } from "../transport/owned_temp_dir.ts";
import type { ExporterConfig } from "../config/exporter_config.ts";
import type { Registry } from "../driver/registry.ts";
import { Logger } from "../log.ts";
import type { RpcServer } from "../transport/server.ts";
import { serveUnixOnDemand } from "../transport/on_demand_server.ts";
import { Exporter } from "./exporter.ts";
import type { FastServer } from "./fast/server.ts";
import { listenFast } from "./fast/sibling.ts";
import { FAST_PATH_LABEL, FAST_PATH_SIBLING } from "../transport/fast/protocol.ts";

/**
 * An exporter listening on a unix socket.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   type LocalExporter,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const config = await loadExporterConfig("examples/virtual-board.yaml");
 * const exporter: LocalExporter = await serveLocal(config);
 * assert.equal(exporter.host, `unix://${exporter.socketPath}`); // what JUMPSTARTER_HOST takes
 * const dut = await connect(exporter.host);
 * await dut.close();
 * await exporter.close(); // stops the drivers and removes the socket
 * ```
 */
export interface LocalExporter extends AsyncDisposable {
  readonly exporter: Exporter;
  readonly socketPath: string;
  /** `unix://` address for `JUMPSTARTER_HOST`. */
  readonly host: string;
  /** The fast channel beside the socket, when it could listen (its stats count what it served). */
  readonly fast?: FastServer;
  /** Stops listening, closes drivers, removes the socket (and its private directory). */
  close(): Promise<void>;
}

/**
 * Options for `serveLocal`.
 *
 * @example
 * ```ts
 * import { loadExporterConfig, type LocalOptions, serveLocal } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const options: LocalOptions = { fastPath: false }; // gRPC only, no `.fast` sibling
 * const config = await loadExporterConfig("examples/virtual-board.yaml");
 * await using exporter = await serveLocal(config, options);
 * assert.equal(exporter.fast, undefined);
 * ```
 */
export interface LocalOptions {
  /** Socket path; default: a fresh private directory under the temp dir. */
  socketPath?: string;
  log?: Logger;
  /** Offer the fast local channel on `<socketPath>.fast` (default true). */
  fastPath?: boolean;
}

/** Builds the exporter of `config` and serves it on a unix socket (mode 0600). */
export async function serveLocal(
  config: ExporterConfig,
  registry: Registry,
  options: LocalOptions = {},
): Promise<LocalExporter> {
  let privateDir: string | undefined;
  let socketPath = options.socketPath;
  if (!socketPath) {
    privateDir = await makeOwnedTempDir("local");
    socketPath = `${privateDir}/exporter.sock`;
  }
  let exporter: Exporter | undefined;
  let server: RpcServer | undefined;
  let fast: FastServer | undefined;
  const log = options.log ?? new Logger("exporter");
  try {
    const created = exporter = await Exporter.create(config, registry, log);
    // Read at each GetReport: the offer appears once the fast channel listens.
    const labels: Record<string, string> = {};
    // gRPC loads at its first connection: this project's clients use the fast channel.
    server = await serveUnixOnDemand(socketPath, async () => {
      const [{ exporterRoutes }, { exporterFastRoutes }] = await Promise.all([
        import("./service.ts"),
        import("./grpc_fast.ts"),
      ]);
      return { routes: exporterRoutes(created, { labels }), fast: exporterFastRoutes(created) };
    });
    // After the gRPC socket, whose claim refused a path that a live exporter serves.
    if (options.fastPath !== false) fast = await listenFast(socketPath, exporter, labels, log);
    if (fast) labels[FAST_PATH_LABEL] = FAST_PATH_SIBLING;
  } catch (error) {
    await fast?.close();
    await server?.close();
    await exporter?.close();
    if (privateDir) await Deno.remove(privateDir, { recursive: true }).catch(() => {});
    throw error;
  }
  const built = exporter;
  const listening = server;
  const fastServer = fast;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await Promise.all([listening.close(), fastServer?.close()]);
      await built.close();
      if (privateDir) await Deno.remove(privateDir, { recursive: true }).catch(() => {});
    })();
  return {
    exporter: built,
    socketPath,
    host: `unix://${socketPath}`,
    fast: fastServer,
    close,
    [Symbol.asyncDispose]: close,
  };
}

export { defaultSocketPath } from "./socket_path.ts";
