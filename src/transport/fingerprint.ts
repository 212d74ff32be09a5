/**
 * TLS certificate fingerprints as users type them. Apart from
 * `tls_pair.ts` so that reading one (a session's environment, a flag) does
 * not load `node:crypto`, which costs a CLI start ~35 ms here.
 *
 * @module
 */

/** A fingerprint as typed (any case, with or without colons) in the `AB:CD:...` form; `TypeError` if it is not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string {
  const hex = text.trim().replace(/^sha256:/i, "").replace(/[:\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new TypeError(
      `Bad TLS fingerprint "${
        text.slice(0, 100)
      }": give the SHA-256 fingerprint the exporter printed (64 hex digits, colons optional)`,
    );
  }
  return hex.match(/../g)!.join(":");
}
