/**
 * The `endpoint` and `tls` fields of client and exporter configs, checked as
 * upstream writes them: `host:port` is TLS (upstream's only form), trusted
 * through `tls.ca` (base64 of a PEM) or `tls.insecure`; `https://host:port`
 * is TLS too, and `http://host:port` is h2c (loopback development).
 * Several controller replicas are comma-separated.
 *
 * @module
 */
import { ConfigError } from "../driver/config_check.ts";
import { describeValue } from "./describe_value.ts";

const ENTRY = /^(https?:\/\/)?(\[[\da-fA-F:.]+\]|[\w.-]+):(\d{1,5})\/?$/;

/** Checks an `endpoint` value; returns it trimmed. */
export function checkEndpoint(value: unknown, where: string): string {
  if (typeof value !== "string" || !value.trim()) {
    throw new ConfigError(`Invalid ${where}: "endpoint" is missing (e.g. endpoint: ctl.lab:8082)`);
  }
  for (const entry of value.split(",").map((e) => e.trim())) {
    const m = entry.match(ENTRY);
    if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
      throw new ConfigError(
        `Invalid ${where}: endpoint "${entry}" is not HOST:PORT (TLS), https://HOST:PORT or http://HOST:PORT (h2c)`,
      );
    }
  }
  return value.trim();
}

/** Checks a `tls` section: `ca` the base64 of a PEM (or a PEM), `insecure` a boolean. */
export function checkTls(value: unknown, where: string): { ca?: string; insecure: boolean } {
  if (value === undefined || value === null) return { ca: undefined, insecure: false };
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(`Invalid ${where}: "tls" must be a mapping with ca and insecure`);
  }
  const tls = value as Record<string, unknown>;
  if (tls.insecure !== undefined && typeof tls.insecure !== "boolean") {
    throw new ConfigError(
      `Invalid ${where}: tls.insecure must be true or false, not ${describeValue(tls.insecure)}`,
    );
  }
  let ca: string | undefined;
  if (tls.ca !== undefined && tls.ca !== null && tls.ca !== "") {
    if (typeof tls.ca !== "string" || !isPemOrBase64Pem(tls.ca)) {
      throw new ConfigError(
        `Invalid ${where}: tls.ca must be the base64 of a PEM certificate (base64 -w0 ca.pem)`,
      );
    }
    ca = tls.ca;
  }
  return { ca, insecure: tls.insecure === true };
}

function isPemOrBase64Pem(text: string): boolean {
  if (text.trim().startsWith("-----BEGIN")) return true;
  try {
    return atob(text.replace(/\s+/g, "")).includes("-----BEGIN");
  } catch {
    return false;
  }
}
