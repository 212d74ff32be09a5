/**
 * `jumpstarter shell` and `jumpstarter run`: a session. Leases a board from
 * the controller (or serves the exporter in-process on a private socket),
 * runs `$SHELL`, the given command or a script with `JUMPSTARTER_HOST` set,
 * and gives the board back when it exits.
 *
 * @module
 */
import type { Command } from "commander";
import { parseLogLevel } from "../log.ts";
import { UsageError } from "./run.ts";
import {
  holdSignals,
  type SignalHold,
  signalNumber,
  signals,
  whileSignalled,
} from "./interrupt.ts";
import { sessionBin } from "./session_bin.ts";
import { whileFollowingLogs } from "./exporter_logs_tap.ts";

interface ShellOptions {
  exporterConfig?: string;
  selector?: string;
  exporter?: string;
  lease?: string;
  duration: string;
  timeout?: string;
  requeue?: boolean;
  waitForExporter?: boolean;
  tlsGrpc?: string;
  tlsGrpcInsecure?: boolean;
  passphrase?: string;
  ca?: string;
  tlsFingerprint?: string;
  exporterLogs?: boolean;
  name?: string;
  acquisitionTimeout?: string;
  dialTimeout?: string;
  retryTimeout?: string;
}

const example = `
Examples:
  $ jumpstarter shell --exporter-config examples/virtual-board.yaml
  $ jumpstarter shell --exporter-config examples/virtual-board.yaml -- jumpstarter power on
  $ jumpstarter shell -- deno test -A examples/boot_test.ts
  $ jumpstarter shell --selector board=virtual --duration 10m -- deno test -A examples/
  $ jumpstarter shell --lease 0193a8f2-... -- jumpstarter power cycle
  $ jumpstarter shell --selector board=virtual --exporter-logs -- jumpstarter power on
  $ jumpstarter shell --tls-grpc bench-1.lab:19090 --tls-fingerprint AB:CD:... --passphrase S

Local mode (no --selector/--exporter/--lease): serves --exporter-config, else
~/.config/jumpstarter/exporters/default.yaml, else the built-in virtual board.
Distributed mode (--selector, --exporter or --lease, with a client config): leases a
board from the controller (waiting in the queue with a live position/ETA line), tunnels
to it, and releases the lease on exit unless it was made separately (--lease).
Direct mode (--tls-grpc HOST:PORT): connects to an exporter served with
"exporter serve --tls-grpc-listener" (or upstream's "jmp run --tls-grpc-listener"), no
controller; trusts it by --ca FILE or --tls-fingerprint (else the system's CAs), or talks
plaintext with --tls-grpc-insecure; --passphrase (or JMP_GRPC_PASSPHRASE) as it was started.
The command's exit status is the shell's exit status.`;

/**
 * Runs `argv` with `env` added and the running CLI on PATH as `jumpstarter`;
 * returns its exit status (128+signal if killed). With `hold`, a signal that
 * came before the child starts stops here instead.
 */
export async function runWithEnv(
  argv: string[],
  env: Record<string, string>,
  hold?: SignalHold,
): Promise<number> {
  const bin = await sessionBin();
  try {
    hold?.check();
    return await runChild(argv, { ...env, PATH: bin.path });
  } finally {
    await bin.close();
  }
}

async function runChild(argv: string[], env: Record<string, string>): Promise<number> {
  let child: Deno.ChildProcess | undefined;
  // The child gets terminal signals itself; pass on the ones sent to us only.
  // Listening starts before the spawn: a signal sent to the whole group
  // (timeout, systemd, CI) can come as soon as the child runs, and may find
  // it gone.
  const forward = signals.map((signal) => {
    const handler = () => {
      if (signal === "SIGINT") return;
      try {
        child?.kill(signal);
      } catch { /* it has exited already */ }
    };
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  });
  try {
    try {
      child = new Deno.Command(argv[0], {
        args: argv.slice(1),
        env,
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new UsageError(`Cannot run "${argv[0]}": command not found`);
      }
      throw error;
    }
    const status = await child.status;
    return status.signal
      ? 128 + (Deno.build.os === "linux" ? signalNumber(status.signal) : 1)
      : status.code;
  } finally {
    for (const remove of forward) remove();
  }
}

type Globals = { logLevel: string; exporterConfig?: string; clientConfig?: string; lease?: string };

/**
 * Runs `argv` in a session: a leased board (selector, exporter or lease name
 * given) or a local exporter served in-process; returns its exit status and
 * gives the board back whatever happens.
 */
async function runInSession(
  argv: string[] | undefined,
  options: ShellOptions,
  globals: Globals,
): Promise<number> {
  const hold = holdSignals();
  try {
    return await runHeld(argv, options, globals, hold);
  } finally {
    hold.release();
  }
}

async function runHeld(
  argv: string[] | undefined,
  options: ShellOptions,
  globals: Globals,
  hold: SignalHold,
): Promise<number> {
  const leaseName = options.lease ?? globals.lease;
  if (options.name !== undefined) {
    if (options.exporter !== undefined) throw new UsageError("Give --exporter or --name, not both");
    options.exporter = options.name; // upstream's spelling
  }
  if (options.tlsGrpc !== undefined) {
    if (options.selector !== undefined || options.exporter !== undefined || leaseName) {
      throw new UsageError(
        "--tls-grpc connects without a controller: drop --selector/--exporter/--lease",
      );
    }
    if (options.exporterConfig ?? globals.exporterConfig) {
      throw new UsageError("--tls-grpc and --exporter-config exclude each other");
    }
    const { openDirect } = await import("./direct_session.ts");
    const direct = await openDirect(options);
    try {
      const { shellArgv } = await import("./session_env.ts");
      return await runWithEnv(argv ?? shellArgv(true), direct.env, hold);
    } finally {
      await direct.close();
    }
  }
  if (options.tlsGrpcInsecure || options.passphrase || options.ca || options.tlsFingerprint) {
    throw new UsageError(
      "--tls-grpc-insecure, --passphrase, --ca and --tls-fingerprint are for direct mode: add --tls-grpc HOST:PORT",
    );
  }
  if (options.selector !== undefined || options.exporter !== undefined || leaseName !== undefined) {
    if (options.exporterConfig) {
      throw new UsageError("--exporter-config is for local mode; drop it to lease a board");
    }
    // Loaded here: local sessions and --help do not need the controller client.
    const [
      { acquire },
      { parseDuration },
      { parseSelector },
      { waitPrinter },
      { resolveClientConfig },
      { driversEnv, sessionTimeouts, shellArgv },
    ] = await Promise.all([
      import("../client/lease_acquire.ts"),
      import("../client/duration.ts"),
      import("../controller/selector.ts"),
      import("./lease_actions.ts"),
      import("../config/client_config.ts"),
      import("./session_env.ts"),
    ]);
    if (options.selector) parseSelector(options.selector);
    parseDuration(options.duration);
    const { timeoutMs, dialRetry } = sessionTimeouts(options, parseDuration);
    const client = await resolveClientConfig(globals.clientConfig);
    const held = await whileSignalled((signal) =>
      acquire({
        clientConfig: client ?? globals.clientConfig,
        selector: options.selector,
        exporterName: options.exporter,
        leaseName,
        duration: options.duration,
        timeoutMs,
        requeueOnExporterLoss: options.requeue === true,
        waitForExporter: options.waitForExporter || undefined,
        dialRetry,
        onWait: waitPrinter(),
        signal,
      })
    ).finally(() => {
      if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
    });
    try {
      return await whileFollowingLogs(
        held.tunnel.host,
        options.exporterLogs,
        () =>
          runWithEnv(argv ?? shellArgv(client?.shell.useProfiles ?? true), {
            JUMPSTARTER_HOST: held.tunnel.host,
            JMP_LEASE: held.name,
            ...driversEnv(held.drivers),
          }, hold),
      );
    } finally {
      await held.close();
    }
  }
  const { defaultExporterConfig, startInProcess } = await import("./local_target.ts");
  const config = await defaultExporterConfig(options.exporterConfig ?? globals.exporterConfig);
  const target = await startInProcess(config, parseLogLevel(globals.logLevel));
  try {
    return await whileFollowingLogs(
      target.host,
      options.exporterLogs,
      () =>
        runWithEnv(argv ?? [Deno.env.get("SHELL") || "/bin/sh"], {
          JUMPSTARTER_HOST: target.host,
        }, hold),
    );
  } finally {
    await target.close();
  }
}

function sessionOptions(command: Command): Command {
  return command
    .option("--exporter-config <file>", "local mode: exporter config to serve (default: see below)")
    .option("-l, --selector <selector>", "lease a board matching this label selector")
    .option("--exporter <name>", "lease this exporter by name")
    .option("-n, --name <exporter>", "as --exporter (upstream's spelling)")
    .option("--lease <name>", "use an existing lease (not released on exit)")
    .option("-d, --duration <duration>", "lease duration", "30m")
    .option("--timeout <duration>", "give up waiting in the queue after this long")
    .option("--requeue", "if the exporter goes offline, re-queue for another matching one")
    .option(
      "--wait-for-exporter",
      "wait even while no exporter matches at all (else that fails at once)",
    )
    .option("--exporter-logs", "print the exporter's log stream on stderr while the command runs")
    .option("--acquisition-timeout <duration>", "as --timeout (upstream's name; at least 5s)")
    .option("--dial-timeout <duration>", "retry Dial this long while the lease is not ready (30s)")
    .option(
      "--retry-timeout <duration>",
      "retry an unreachable controller this long (5m; 0: never)",
    )
    .option("--tls-grpc <host:port>", "direct mode: connect to this exporter, no controller")
    .option("--tls-grpc-insecure", "direct mode without TLS (development only)")
    .option("--passphrase <text>", "direct mode: the exporter's passphrase")
    .option("--ca <file>", "direct mode: CA (or the exporter's own certificate) to trust, PEM")
    .option("--tls-fingerprint <sha256>", "direct mode: pin the exporter's certificate");
}

/** The deno that runs scripts: this one, unless we are a compiled binary. */
function denoBinary(): string {
  const exec = Deno.execPath();
  return /(^|\/)deno(\.exe)?$/.test(exec) ? exec : "deno";
}

const runExample = `
Examples:
  $ jumpstarter run examples/power_cycle.ts
  $ jumpstarter run --exporter-config examples/virtual-board.yaml examples/capture_console.ts -- console.log
  $ jumpstarter run --selector board=virtual --duration 10m examples/flash_and_boot.ts

Runs "deno run -A SCRIPT [ARGS...]" inside a session, local or leased (same options as
"jumpstarter shell"), so the script needs no connection code: env() finds the board.`;

/** Adds `shell` and `run` to the program; `setStatus` receives the command's exit status. */
export function addShellCommand(program: Command, setStatus: (code: number) => void): void {
  sessionOptions(
    program
      .command("shell")
      .description("Start a session (local or leased) and run a shell or a command in it")
      .argument("[command...]", "command to run instead of $SHELL (put it after --)"),
  )
    .addHelpText("after", example)
    .action(async (command: string[], options: ShellOptions) => {
      const argv = command.length > 0 ? command : undefined;
      setStatus(await runInSession(argv, options, program.opts<Globals>()));
    });
  sessionOptions(
    program
      .command("run")
      .description("Run a TypeScript script inside a session (local or leased)")
      .argument("<script>", "the script (e.g. a shebang script importing @jumpstarter/jumpstarter)")
      .argument("[args...]", "arguments for the script (after --)"),
  )
    .addHelpText("after", runExample)
    .action(async (script: string, args: string[], options: ShellOptions) => {
      try {
        await Deno.stat(script);
      } catch {
        throw new UsageError(`Cannot run "${script}": no such file`);
      }
      setStatus(
        await runInSession(
          [denoBinary(), "run", "-A", script, ...args],
          options,
          program.opts<Globals>(),
        ),
      );
    });
}
