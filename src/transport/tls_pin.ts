/**
 * Trusting a server by a pinned certificate fingerprint (a direct-mode
 * exporter's self-signed pair): one TLS handshake that sends nothing fetches
 * the certificate the server presents; if its SHA-256 fingerprint is the
 * pinned one, that very certificate becomes the only CA of the real
 * connection, so the HTTP/2 connection verifies against it (no other
 * certificate, even for the same name, is accepted) and nothing secret is
 * sent before the pin matched.
 *
 * @module
 */
import * as tls from "node:tls";
import { X509Certificate } from "node:crypto";
import { certFingerprint } from "./tls_pair.ts";
import { normalizeFingerprint } from "./fingerprint.ts";

/** Thrown when the server's certificate is not the pinned one (or cannot be fetched). */
export class PinMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PinMismatchError";
  }
}

/**
 * Fetches the certificate `host:port` presents and returns it as PEM when its
 * fingerprint is `fingerprint`; else throws `PinMismatchError` naming both.
 */
export async function pinnedCertificate(
  host: string,
  port: number,
  fingerprint: string,
  timeoutMs = 10_000,
): Promise<string> {
  const wanted = normalizeFingerprint(fingerprint);
  const socket = tls.connect({
    host,
    port,
    servername: /^[\d.]+$|:/.test(host) ? undefined : host,
    rejectUnauthorized: false,
    ALPNProtocols: ["h2"],
  });
  try {
    const der = await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new PinMismatchError(`No TLS handshake from ${host}:${port} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once("error", (error: Error) => {
        clearTimeout(timer);
        reject(new PinMismatchError(`Cannot reach ${host}:${port} over TLS: ${error.message}`));
      });
      socket.once("secureConnect", () => {
        clearTimeout(timer);
        const raw = socket.getPeerCertificate(true)?.raw;
        if (!raw?.length) reject(new PinMismatchError(`${host}:${port} presented no certificate`));
        else resolve(new Uint8Array(raw));
      });
    });
    const got = certFingerprint(der);
    if (got !== wanted) {
      throw new PinMismatchError(
        `${host}:${port} presented certificate ${got}, not the pinned ${wanted}: check the fingerprint the exporter printed, or that you reach the right host`,
      );
    }
    return new X509Certificate(der).toString();
  } finally {
    socket.destroy();
  }
}
