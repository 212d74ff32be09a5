/**
 * Direct mode: a lab of one bench with no controller. The exporter serves its
 * drivers on a TCP port as upstream's `jmp run --tls-grpc-listener` does
 * (ExporterService and RouterService on one HTTP/2 port, TLS or, for
 * development, plaintext), behind `direct_gate.ts`: the passphrase on every
 * call, one client at a time. The config's lease hooks run around it
 * (`direct_hooks.ts`).
 *
 * @module
 */
import type { ExporterConfig } from "../config/exporter_config.ts";
import type { Registry } from "../driver/registry.ts";
import { Logger } from "../log.ts";
import { type RpcServer, serveTcp } from "../transport/server.ts";
import { DirectGate } from "./direct_gate.ts";
import { DirectHooks } from "./direct_hooks.ts";
import { Exporter } from "./exporter.ts";
import { exporterRoutes } from "./service.ts";

/** Options of `serveDirect`. */
export interface DirectServeOptions {
  /** Listen address (default 0.0.0.0) and port (0 picks a free one). */
  host?: string;
  port: number;
  /** TLS pair (PEM); without it the port is plaintext h2c (development only). */
  tls?: { cert: string; key: string };
  /** Required from every call as `x-jumpstarter-passphrase`. */
  passphrase?: string;
  log?: Logger;
}

/** A direct-mode exporter listening on TCP. */
export interface DirectExporter extends AsyncDisposable {
  readonly exporter: Exporter;
  /** `https://host:port` or `http://host:port`. */
  readonly address: string;
  readonly port: number;
  /** Refusal counts and the client holding the board. */
  readonly gate: DirectGate;
  /** Stops listening and closes the drivers. */
  close(): Promise<void>;
}

/** Builds the exporter of `config` and serves it on a TCP port. */
export async function serveDirect(
  config: ExporterConfig,
  registry: Registry,
  options: DirectServeOptions,
): Promise<DirectExporter> {
  const log = options.log ?? new Logger("exporter");
  const exporter = await Exporter.create(config, registry, log);
  const gate = new DirectGate(options.passphrase, log);
  let hooks: DirectHooks | undefined;
  let server: RpcServer & { port: number };
  try {
    hooks = await DirectHooks.open(exporter, log);
    await hooks?.before();
    server = await serveTcp(options.host ?? "0.0.0.0", options.port, exporterRoutes(exporter), {
      tls: options.tls,
      interceptors: [gate.interceptor],
      contextValues: gate.contextValues,
    });
  } catch (error) {
    await hooks?.close();
    await exporter.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await server.close();
      await hooks?.after();
      await exporter.close();
    })();
  return {
    exporter,
    address: server.address,
    port: server.port,
    gate,
    close,
    [Symbol.asyncDispose]: close,
  };
}
