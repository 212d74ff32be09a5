/**
 * Local mode: an exporter serving its drivers on a unix socket, either as a
 * daemon (`exporter serve --local`) or in-process for one `jumpstarter shell`.
 *
 * @module
 */
import type { ExporterConfig } from "../config/exporter_config.ts";
import type { Registry } from "../driver/registry.ts";
import { Logger } from "../log.ts";
import { type RpcServer, serveUnix } from "../transport/server.ts";
import { Exporter } from "./exporter.ts";
import { exporterRoutes } from "./service.ts";

/** An exporter listening on a unix socket. */
export interface LocalExporter extends AsyncDisposable {
  readonly exporter: Exporter;
  readonly socketPath: string;
  /** `unix://` address for `JUMPSTARTER_HOST`. */
  readonly host: string;
  /** Stops listening, closes drivers, removes the socket (and its private directory). */
  close(): Promise<void>;
}

/** Options for `serveLocal`. */
export interface LocalOptions {
  /** Socket path; default: a fresh private directory under the temp dir. */
  socketPath?: string;
  log?: Logger;
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
    privateDir = await Deno.makeTempDir({ prefix: "jumpstarter-" });
    await Deno.chmod(privateDir, 0o700);
    socketPath = `${privateDir}/exporter.sock`;
  }
  let exporter: Exporter | undefined;
  let server: RpcServer | undefined;
  try {
    exporter = await Exporter.create(config, registry, options.log ?? new Logger("exporter"));
    server = await serveUnix(socketPath, exporterRoutes(exporter));
  } catch (error) {
    await exporter?.close();
    if (privateDir) await Deno.remove(privateDir, { recursive: true }).catch(() => {});
    throw error;
  }
  const built = exporter;
  const listening = server;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await listening.close();
      await built.close();
      if (privateDir) await Deno.remove(privateDir, { recursive: true }).catch(() => {});
    })();
  return {
    exporter: built,
    socketPath,
    host: `unix://${socketPath}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Where `exporter serve --local` listens by default and the CLI looks for a daemon. */
export function defaultSocketPath(name = "default"): string {
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  const home = Deno.env.get("HOME") ?? "/tmp";
  const dir = runtime ? `${runtime}/jumpstarter` : `${home}/.local/state/jumpstarter`;
  return `${dir}/${name}.sock`;
}
