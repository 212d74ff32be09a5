/**
 * A self-signed TLS pair, made once with the system's `openssl` and kept in a
 * folder: a controller started on a non-loopback address without one, a
 * direct-mode exporter (`--tls-grpc-listener`) without `--tls-cert`.
 *
 * @module
 */
import { createHash, X509Certificate } from "node:crypto";

/** Loads or creates `dir/cert.pem` + `dir/key.pem`; returns them and the SHA-256 fingerprint. */
export async function ensureTlsPair(
  dir: string,
  host: string,
): Promise<{ cert: string; key: string; fingerprint: string }> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = `${dir}/cert.pem`;
  const keyPath = `${dir}/key.pem`;
  let cert = await Deno.readTextFile(certPath).catch(() => undefined);
  let key = await Deno.readTextFile(keyPath).catch(() => undefined);
  if (!cert || !key) {
    const san = /^[\d.]+$/.test(host)
      ? `IP:${host},DNS:localhost,IP:127.0.0.1`
      : `DNS:${host},DNS:localhost,IP:127.0.0.1`;
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command("openssl", {
        args: [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          keyPath,
          "-out",
          certPath,
          "-days",
          "825",
          "-subj",
          `/CN=${host}`,
          "-addext",
          `subjectAltName=${san}`,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
    } catch {
      throw new Error(
        "Cannot make a self-signed certificate: openssl is not installed (apt-get install openssl), or pass --tls-cert/--tls-key",
      );
    }
    if (!output.success) {
      throw new Error(`openssl failed: ${new TextDecoder().decode(output.stderr).trim()}`);
    }
    await Deno.chmod(keyPath, 0o600);
    cert = await Deno.readTextFile(certPath);
    key = await Deno.readTextFile(keyPath);
  }
  return { cert, key, fingerprint: certFingerprint(cert) };
}

/** The SHA-256 fingerprint of a PEM or DER certificate, as `AB:CD:...` (what browsers show). */
export function certFingerprint(cert: string | Uint8Array): string {
  const der = typeof cert === "string" ? new X509Certificate(cert).raw : cert;
  return createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
}
