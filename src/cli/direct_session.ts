/**
 * `jumpstarter shell --tls-grpc HOST:PORT`: a session on a direct-mode
 * exporter. It connects once (so a wrong passphrase or an untrusted
 * certificate fails here, in one line), holds that connection while the
 * session runs (the exporter serves one client at a time: this one), and
 * hands its commands the address, trust and passphrase in upstream's
 * environment variables (`JUMPSTARTER_HOST=HOST:PORT`, `JMP_GRPC_INSECURE`,
 * `JMP_GRPC_PASSPHRASE`) plus ours (`JMP_GRPC_CA_FILE`, `JMP_GRPC_FINGERPRINT`).
 *
 * @module
 */
import { resolve } from "node:path";
import { DIRECT_ENV, type DirectOptions, directUrl } from "../client/direct.ts";
import { normalizeFingerprint } from "../transport/fingerprint.ts";
import { UsageError } from "./run.ts";

/** The direct-mode flags of `shell` and `run`. */
export interface DirectSessionFlags {
  tlsGrpc?: string;
  tlsGrpcInsecure?: boolean;
  passphrase?: string;
  ca?: string;
  tlsFingerprint?: string;
}

/** Checks the flags, connects, and returns the session's environment and its closer. */
export async function openDirect(
  flags: DirectSessionFlags,
): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const address = flags.tlsGrpc!;
  const insecure = flags.tlsGrpcInsecure === true;
  if (insecure && (flags.ca || flags.tlsFingerprint)) {
    throw new UsageError("--tls-grpc-insecure turns TLS off: drop --ca / --tls-fingerprint");
  }
  if (flags.ca && flags.tlsFingerprint) {
    throw new UsageError("--ca and --tls-fingerprint both say whom to trust: give one");
  }
  const url = directUrl(address, insecure);
  const passphrase = flags.passphrase ?? (Deno.env.get(DIRECT_ENV.passphrase) || undefined);
  const fingerprint = flags.tlsFingerprint ? normalizeFingerprint(flags.tlsFingerprint) : undefined;
  let ca: string | undefined;
  if (flags.ca) {
    try {
      ca = await Deno.readTextFile(flags.ca);
    } catch (error) {
      throw new UsageError(`Cannot read --ca "${flags.ca}": ${(error as Error).message}`);
    }
  }
  const direct: DirectOptions = { passphrase, ca, fingerprint };
  const { GrpcSession } = await import("../client/session.ts");
  const { session } = await GrpcSession.open(url, { direct });
  // Upstream's bare HOST:PORT, unless nothing else would tell the commands it is TLS.
  const bare = insecure || passphrase || flags.ca || fingerprint;
  const env: Record<string, string> = { JUMPSTARTER_HOST: bare ? address.trim() : url };
  if (insecure) env[DIRECT_ENV.insecure] = "1";
  if (passphrase) env[DIRECT_ENV.passphrase] = passphrase;
  if (flags.ca) env[DIRECT_ENV.caFile] = resolve(flags.ca);
  if (fingerprint) env[DIRECT_ENV.fingerprint] = fingerprint;
  return { env, close: () => session.close() };
}
