/**
 * Which exporter a driver command talks to: `--exporter-config` served
 * in-process, the session's `JUMPSTARTER_HOST`, a lease named by `--lease` or
 * `JMP_LEASE`, else (local mode) a registered daemon's default socket, else an
 * in-process exporter built from the default config. Only a named lease
 * makes a command leased.
 *
 * @module
 */
import type { DriversPolicy } from "../config/client_config_fields.ts";
import type { ExporterConfig } from "../config/exporter_config.ts";
import { UsageError } from "./run.ts";
import { Logger, type LogLevel, stderrSink } from "../log.ts";
import { defaultSocketPath } from "../exporter/socket_path.ts";
import type { DirectOptions } from "../client/direct.ts";

// Each branch loads what it needs when taken: a command inside a session
// (JUMPSTARTER_HOST) loads neither the exporter, YAML, nor the controller client.
const exporterModules = () =>
  Promise.all([
    import("../config/exporter_config.ts"),
    import("../config/builtin.ts"),
    import("./builtin_drivers.ts"),
    import("../exporter/local.ts"),
  ]);

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** An exporter address and what to do when the command is done with it. */
export interface Target {
  host: string;
  /** A direct-mode exporter's passphrase and trust (from the session's environment). */
  direct?: DirectOptions;
  /** How the target was chosen, for `--verbose` style messages. */
  origin: string;
  close(): Promise<void>;
  /** The client config's `drivers` policy when the target is a lease. */
  drivers?: DriversPolicy;
}

/** The exporter config local mode uses when none is given. */
export async function defaultExporterConfig(path?: string): Promise<ExporterConfig> {
  const [{ loadExporterConfig }, { builtinVirtualBoard, defaultExporterConfigPath }] =
    await exporterModules();
  if (path) {
    const { exporterConfigPathFor } = await import("../config/exporter_aliases.ts");
    return await loadExporterConfig(exporterConfigPathFor(path));
  }
  const userDefault = defaultExporterConfigPath();
  if (exists(userDefault)) return await loadExporterConfig(userDefault);
  return builtinVirtualBoard();
}

/** A logger writing driver logs of an in-process exporter to stderr. */
export function localLogger(level: LogLevel): Logger {
  const log = new Logger("exporter");
  log.attach(stderrSink(level));
  return log;
}

/** Starts an in-process exporter for `config` on a private socket. */
export async function startInProcess(config: ExporterConfig, level: LogLevel): Promise<Target> {
  const [, , { registry }, { serveLocal }] = await exporterModules();
  const local = await serveLocal(config, registry, { log: localLogger(level) });
  return {
    host: local.host,
    origin: `in-process exporter "${config.metadata.name}"`,
    close: local.close,
  };
}

/** Resolves the exporter for a driver command. */
export async function resolveTarget(options: {
  exporterConfig?: string;
  clientConfig?: string;
  lease?: string;
  logLevel: LogLevel;
}): Promise<Target> {
  if (options.exporterConfig) {
    return await startInProcess(
      await defaultExporterConfig(options.exporterConfig),
      options.logLevel,
    );
  }
  const host = Deno.env.get("JUMPSTARTER_HOST");
  if (host) {
    const { directFromEnv } = await import("../client/direct.ts");
    const resolved = await directFromEnv(host);
    return { ...resolved, origin: "JUMPSTARTER_HOST", close: () => Promise.resolve() };
  }
  const leaseName = options.lease ?? Deno.env.get("JMP_LEASE");
  if (leaseName) {
    const { resolveClientConfig } = await import("../config/client_config.ts");
    const client = await resolveClientConfig(options.clientConfig);
    if (!client) {
      throw new UsageError(
        `Lease "${leaseName}" needs a client config: give --client-config FILE, set JMP_CLIENT_CONFIG, or import one (jumpstarter config client import FILE --use)`,
      );
    }
    const { acquire } = await import("../client/lease_acquire.ts");
    const held = await acquire({ clientConfig: client, leaseName, timeoutMs: 0 });
    return {
      host: held.tunnel.host,
      origin: `lease ${leaseName}`,
      close: held.close,
      drivers: held.drivers,
    };
  }
  const daemon = defaultSocketPath();
  if (exists(daemon)) {
    return {
      host: `unix://${daemon}`,
      origin: `exporter daemon at ${daemon}`,
      close: () => Promise.resolve(),
    };
  }
  // A stored client config alone never turns a local command into a leased one.
  return await startInProcess(await defaultExporterConfig(), options.logLevel);
}
