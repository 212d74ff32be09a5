/**
 * `exporter serve --tls-grpc-listener [HOST:]PORT`: direct mode, upstream's
 * flags (`--tls-grpc-insecure`, `--tls-cert`/`--tls-key`, `--passphrase`).
 * Without a pair and without `--tls-grpc-insecure`, a self-signed pair is made
 * on first start (kept under the state folder, key mode 0600) and its
 * fingerprint printed for clients to pin.
 *
 * @module
 */
import type { ExporterConfig } from "../config/exporter_config.ts";
import type { Logger } from "../log.ts";
import { terminal, UsageError } from "./run.ts";

/** The direct-mode flags as commander parsed them. */
export interface DirectFlags {
  tlsGrpcListener?: string;
  tlsGrpcInsecure?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  passphrase?: string;
  local?: boolean;
}

/** Parses upstream's `[HOST:]PORT` (host default 0.0.0.0; `[::1]:PORT` for IPv6). */
export function parseListener(value: string): { host: string; port: number } {
  const match = /^(?:(\[[\da-fA-F:]+\]|[\w.-]*):)?(\d+)$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new UsageError(
      `Bad --tls-grpc-listener "${value}": give [HOST:]PORT with a port from 1 to 65535 (e.g. 0.0.0.0:19090 or 19090)`,
    );
  }
  const host = (match[1] ?? "").replace(/^\[|\]$/g, "") || "0.0.0.0";
  return { host, port };
}

/** Checks the flag combination before anything starts; returns the listener. */
export function checkDirectFlags(flags: DirectFlags): { host: string; port: number } | undefined {
  const tlsFlags = flags.tlsGrpcInsecure || flags.tlsCert || flags.tlsKey ||
    flags.passphrase !== undefined;
  if (!flags.tlsGrpcListener) {
    if (tlsFlags) {
      throw new UsageError(
        "--tls-grpc-insecure, --tls-cert, --tls-key and --passphrase are for direct mode: add --tls-grpc-listener [HOST:]PORT",
      );
    }
    return undefined;
  }
  if (flags.local) throw new UsageError("--local and --tls-grpc-listener exclude each other");
  if (flags.tlsGrpcInsecure && (flags.tlsCert || flags.tlsKey)) {
    throw new UsageError("--tls-grpc-insecure cannot be combined with --tls-cert / --tls-key");
  }
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) {
    throw new UsageError("--tls-cert and --tls-key go together: give both, or neither");
  }
  if (flags.passphrase === "") {
    throw new UsageError("--passphrase is empty: give a passphrase, or leave the flag out");
  }
  return parseListener(flags.tlsGrpcListener);
}

async function readPem(flag: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${flag} "${path}": ${(error as Error).message}`);
  }
}

function stateDir(name: string): string {
  const state = Deno.env.get("XDG_STATE_HOME") ??
    `${Deno.env.get("HOME") ?? "/tmp"}/.local/state`;
  return `${state}/jumpstarter/direct-tls/${name}`;
}

/** Serves `config` in direct mode until `until` resolves; prints where and how to trust it. */
export async function serveDirectMode(
  config: ExporterConfig,
  flags: DirectFlags,
  listener: { host: string; port: number },
  log: Logger,
  until: () => Promise<string>,
): Promise<void> {
  const [{ registry }, { serveDirect }, { ensureTlsPair, certFingerprint }] = await Promise.all([
    import("./builtin_drivers.ts"),
    import("../exporter/direct.ts"),
    import("../transport/tls_pair.ts"),
  ]);
  let tls: { cert: string; key: string } | undefined;
  let fingerprint: string | undefined;
  if (flags.tlsCert && flags.tlsKey) {
    tls = {
      cert: await readPem("--tls-cert", flags.tlsCert),
      key: await readPem("--tls-key", flags.tlsKey),
    };
    try {
      fingerprint = certFingerprint(tls.cert);
    } catch {
      throw new UsageError(`--tls-cert "${flags.tlsCert}" holds no PEM certificate`);
    }
  } else if (!flags.tlsGrpcInsecure) {
    const name = config.metadata.name.replace(/[^\w.-]/g, "_") || "exporter";
    const host = listener.host === "0.0.0.0" || listener.host === "::"
      ? Deno.hostname()
      : listener.host;
    const pair = await ensureTlsPair(stateDir(name), host);
    tls = { cert: pair.cert, key: pair.key };
    fingerprint = pair.fingerprint;
  }
  if (flags.tlsGrpcInsecure && flags.passphrase) {
    log.warning("--passphrase without TLS: the passphrase travels in plaintext");
  }
  const direct = await serveDirect(config, registry, {
    ...listener,
    tls,
    passphrase: flags.passphrase,
    log,
  });
  const port = `${listener.host}:${direct.port}`.replace(/^0\.0\.0\.0:/, "HOST:");
  terminal.err(`serving "${config.metadata.name}" in direct mode on ${direct.address}`);
  if (fingerprint) {
    terminal.err(`TLS certificate SHA-256 fingerprint: ${fingerprint}`);
    terminal.err(
      `connect: jumpstarter shell --tls-grpc ${port} --tls-fingerprint ${fingerprint}${
        flags.passphrase ? " --passphrase ..." : ""
      }`,
    );
  } else {
    terminal.err(
      `connect: jumpstarter shell --tls-grpc ${port} --tls-grpc-insecure${
        flags.passphrase ? " --passphrase ..." : ""
      }`,
    );
  }
  const why = await until();
  log.info(`${why}: closing drivers (${direct.gate.refused} calls refused a wrong passphrase)`);
  await direct.close();
}
