/**
 * Reaching a direct-mode exporter (`exporter serve --tls-grpc-listener`, or
 * upstream's `jmp run --tls-grpc-listener`) with no controller: its address,
 * how to trust its certificate, and the passphrase upstream sends as the
 * `x-jumpstarter-passphrase` metadata of every call. A session started by
 * `jumpstarter shell --tls-grpc` hands these to its commands in the
 * environment, as upstream's `jmp shell --tls-grpc` does.
 *
 * @module
 */
import { normalizeFingerprint } from "../transport/fingerprint.ts";

/** The metadata key upstream's direct mode carries the passphrase in. */
export const PASSPHRASE_HEADER = "x-jumpstarter-passphrase";

/** How to reach a direct-mode exporter over TCP. */
export interface DirectOptions {
  /** Sent as `x-jumpstarter-passphrase` on every call. */
  passphrase?: string;
  /** PEM of the CA (or the self-signed certificate itself) to trust. */
  ca?: string;
  /** SHA-256 fingerprint of the exporter's certificate to pin (`AB:CD:...`). */
  fingerprint?: string;
}

/** The environment a direct session hands its commands (upstream's names, plus ours for trust). */
export const DIRECT_ENV = {
  insecure: "JMP_GRPC_INSECURE",
  passphrase: "JMP_GRPC_PASSPHRASE",
  caFile: "JMP_GRPC_CA_FILE",
  fingerprint: "JMP_GRPC_FINGERPRINT",
} as const;

const bareHostPort = /^([\w.-]+|\[[\da-fA-F:]+\]):\d+$/;

/**
 * The URL for a direct exporter address `HOST:PORT` (or an `http(s)://` URL):
 * plaintext when `insecure`, else TLS. `TypeError` for anything else.
 */
export function directUrl(address: string, insecure: boolean): string {
  const value = address.trim();
  if (/^https?:\/\//.test(value)) return value.replace(/\/$/, "");
  if (!bareHostPort.test(value)) {
    throw new TypeError(
      `Bad exporter address "${value.slice(0, 200)}": give HOST:PORT (e.g. bench-1.lab:19090)`,
    );
  }
  return `${insecure ? "http" : "https"}://${value}`;
}

/**
 * The session's exporter address and direct options from the environment:
 * `JUMPSTARTER_HOST` as upstream's direct session sets it (bare `HOST:PORT`,
 * plaintext only with `JMP_GRPC_INSECURE=1`), `JMP_GRPC_PASSPHRASE`, and our
 * `JMP_GRPC_CA_FILE` / `JMP_GRPC_FINGERPRINT`. A bare `HOST:PORT` with none
 * of these stays what it always was (h2c).
 */
export async function directFromEnv(
  host: string,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Promise<{ host: string; direct?: DirectOptions }> {
  const passphrase = env(DIRECT_ENV.passphrase) || undefined;
  const caFile = env(DIRECT_ENV.caFile) || undefined;
  const fingerprint = env(DIRECT_ENV.fingerprint) || undefined;
  const insecure = env(DIRECT_ENV.insecure) === "1";
  if (!passphrase && !caFile && !fingerprint && !insecure) return { host };
  const isTcp = /^https?:\/\//.test(host.trim()) || bareHostPort.test(host.trim());
  if (!isTcp) return { host };
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = await Deno.readTextFile(caFile);
    } catch (error) {
      throw new TypeError(
        `Cannot read ${DIRECT_ENV.caFile} "${caFile}": ${(error as Error).message}`,
      );
    }
  }
  return {
    host: directUrl(host, insecure),
    direct: {
      passphrase,
      ca,
      fingerprint: fingerprint ? normalizeFingerprint(fingerprint) : undefined,
    },
  };
}
