/**
 * The `exporter` command: `exporter serve --local --config F [--socket P]`
 * serves an exporter config on a unix socket until SIGTERM or SIGINT.
 *
 * @module
 */
import { Command, Option } from "commander";
import { defaultSocketPath } from "../exporter/socket_path.ts";
import { Logger, parseLogLevel, stderrSink } from "../log.ts";
import { VERSION } from "../version.ts";
import { terminal, UsageError } from "./run.ts";
import { checkDirectFlags } from "./direct_serve.ts";

const serveHelp = `
Examples:
  $ exporter serve --local --config examples/virtual-board.yaml
  $ exporter serve --local --config lab/bench1.yaml --socket /run/jumpstarter/bench1.sock
  $ exporter serve --exporter bench-1     # ~/.config/jumpstarter/exporters/bench-1.yaml
  $ JUMPSTARTER_HOST=unix:///run/jumpstarter/bench1.sock jumpstarter power on

With --local and no --socket it listens on ${defaultSocketPath()}, where
"jumpstarter" finds it when no session is set. The socket is created mode 0600.
SIGTERM or SIGINT closes the drivers and removes the socket.
Without --local the exporter registers with the controller named in the config (endpoint,
token: write it with "controller admin create exporter"), waits for leases, runs the
hooks.beforeLease/afterLease scripts, and reconnects with backoff if the controller restarts:
  $ exporter serve --config bench-1.yaml
Direct mode (a bench with no controller; upstream's flags): serve on a TCP port, with TLS
(--tls-cert/--tls-key, else a self-signed pair made on first start, its fingerprint printed)
or in the clear for development (--tls-grpc-insecure); one client at a time:
  $ exporter serve --config bench-1.yaml --tls-grpc-listener 0.0.0.0:19090 --passphrase S
  $ jumpstarter shell --tls-grpc bench-1.lab:19090 --tls-fingerprint AB:CD:... --passphrase S`;

/** Waits for SIGTERM or SIGINT. */
function untilSignal(): Promise<Deno.Signal> {
  return new Promise((resolve) => {
    const stop = (signal: Deno.Signal) => () => {
      Deno.removeSignalListener("SIGTERM", onTerm);
      Deno.removeSignalListener("SIGINT", onInt);
      resolve(signal);
    };
    const onTerm = stop("SIGTERM");
    const onInt = stop("SIGINT");
    Deno.addSignalListener("SIGTERM", onTerm);
    Deno.addSignalListener("SIGINT", onInt);
  });
}

/** Runs the `exporter` CLI. */
export async function exporterMain(argv: string[]): Promise<number> {
  const program = new Command("exporter")
    .description("Serve the drivers of an exporter config (local unix socket, or a controller)")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (text) => terminal.err(text.trimEnd()) });
  program
    .command("serve")
    .description("Build the drivers of an exporter config and serve them")
    .option("-c, --config <file>", "ExporterConfig YAML, or the alias of a stored one")
    .option("--exporter-config <file>", "the same as --config (upstream's jmp run flag)")
    .option(
      "-e, --exporter <alias>",
      "a stored exporter config (~/.config/jumpstarter/exporters/ALIAS.yaml, else /etc/jumpstarter/exporters/)",
    )
    .option("--local", "serve on a local unix socket (no controller)")
    .option("--socket <path>", "unix socket path for --local")
    .option("--create", "make the --socket path's folder (mode 0700) if it does not exist")
    .option("--tls-grpc-listener <[host:]port>", "direct mode: serve clients on this TCP port")
    .option("--tls-grpc-insecure", "direct mode without TLS (development only)")
    .option("--tls-cert <file>", "direct mode: server certificate (PEM)")
    .option("--tls-key <file>", "direct mode: server private key (PEM)")
    .option("--passphrase <text>", "direct mode: require this passphrase from clients")
    .addOption(new Option("--log-level <level>", "debug, info, warning, error").default("info"))
    .option("--log-json", "log as JSON lines")
    .addHelpText("after", serveHelp)
    .action(async (options) => {
      // Loaded when serving: `exporter --help` needs none of it.
      const [{ loadExporterConfig }, { registry }, { serveLocal }] = await Promise.all([
        import("../config/exporter_config.ts"),
        import("./builtin_drivers.ts"),
        import("../exporter/local.ts"),
      ]);
      if (!options.local && options.socket) throw new UsageError("--socket is for --local mode");
      const listener = checkDirectFlags(options);
      const socketDir = (options.socket ?? defaultSocketPath()).replace(/\/[^/]*$/, "") || "/";
      if (options.socket && !options.create && !(await isDirectory(socketDir))) {
        throw new UsageError(
          `Cannot serve on "${options.socket}": folder "${socketDir}" does not exist; create it, or give --create`,
        );
      }
      const config = await loadExporterConfig(await exporterConfigFile(options));
      const log = new Logger("exporter");
      log.attach(stderrSink(parseLogLevel(options.logLevel), options.logJson === true));
      if (listener) {
        const { serveDirectMode } = await import("./direct_serve.ts");
        await serveDirectMode(config, options, listener, log, untilSignal);
        return;
      }
      if (!options.local) {
        const { DistributedExporter } = await import("../exporter/distributed.ts");
        const exporter = await DistributedExporter.start(config, registry, { log });
        const why = await Promise.race([untilSignal(), exporter.exitRequested.promise]);
        log.info(`${why}: unregistering and closing drivers`);
        await exporter.close();
        return;
      }
      const socketPath = options.socket ?? defaultSocketPath();
      await Deno.mkdir(socketDir, { recursive: true, mode: 0o700 });
      const local = await serveLocal(config, registry, { socketPath, log });
      log.info(`serving "${config.metadata.name}" on unix://${socketPath}`);
      const signal = await untilSignal();
      log.info(`${signal}: closing drivers and removing ${socketPath}`);
      await local.close();
    });
  await program.parseAsync(argv, { from: "user" });
  return 0;
}

/** The config file of `--config` (or upstream's `--exporter-config`) or `--exporter`: one of them. */
async function exporterConfigFile(
  options: { config?: string; exporterConfig?: string; exporter?: string },
): Promise<string> {
  if (options.config && options.exporterConfig) {
    throw new UsageError("--config and --exporter-config name the same file: give one");
  }
  const file = options.config ?? options.exporterConfig;
  if (file && options.exporter) {
    throw new UsageError("Give --config FILE or --exporter ALIAS, not both");
  }
  const { exporterConfigPathFor, findExporterAlias, userExportersDir, SYSTEM_EXPORTERS_DIR } =
    await import("../config/exporter_aliases.ts");
  if (file) return exporterConfigPathFor(file);
  if (!options.exporter) {
    throw new UsageError(
      "Give the exporter config: --config FILE or --exporter ALIAS (e.g. exporter serve --config bench-1.yaml)",
    );
  }
  const found = findExporterAlias(options.exporter);
  if (!found) {
    throw new UsageError(
      `No exporter config "${options.exporter}" in ${userExportersDir()} or ${SYSTEM_EXPORTERS_DIR} (create one with: jumpstarter config exporter create ${options.exporter})`,
    );
  }
  return found.path;
}

async function isDirectory(path: string): Promise<boolean> {
  return await Deno.stat(path).then((info) => info.isDirectory, () => false);
}
