/**
 * One HTTP request of an `HttpPower` operation: its spec, how the config
 * describes it (a URL, or `{method, url, body, headers}`) and how logs and
 * errors show it.
 *
 * @module
 */
import { ConfigError } from "../../src/driver/config_check.ts";
import { redactUrl } from "../../src/driver/redact.ts";

/** One HTTP request of an operation. */
export interface HttpRequestSpec {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
}

/** `METHOD url` with credentials in the query left out. */
export function shownRequest(spec: HttpRequestSpec): string {
  return `${spec.method} ${redactUrl(spec.url)}`;
}

/** Reads an `on`/`off`/`read` request from the config (a URL, or `{method, url, body, headers}`). */
export function requestSpec(
  value: unknown,
  path: string,
  required: boolean,
): HttpRequestSpec | undefined {
  if (value === undefined || value === null) {
    if (!required) return undefined;
    throw new ConfigError(
      `Invalid config ${path}: a request is required (a URL, or {method, url, body, headers})`,
    );
  }
  if (typeof value === "string") value = { url: value };
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      `Invalid config ${path}: expected a URL or {method, url, body, headers}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  const spec = value as Record<string, unknown>;
  const fail = (key: string, expected: string): never => {
    throw new ConfigError(
      `Invalid config ${path}.${key}: expected ${expected}, got ${JSON.stringify(spec[key])}`,
    );
  };
  if (typeof spec.url !== "string" || !/^https?:\/\//.test(spec.url)) {
    fail("url", "an http:// or https:// URL");
  }
  const method = spec.method ?? (spec.body === undefined ? "GET" : "POST");
  if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) {
    fail("method", "GET, POST, PUT...");
  }
  let body: string | undefined;
  if (spec.body !== undefined && spec.body !== null) {
    body = typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body);
  }
  const headers: Record<string, string> = {};
  if (spec.headers !== undefined && spec.headers !== null) {
    if (typeof spec.headers !== "object" || Array.isArray(spec.headers)) {
      fail("headers", "a mapping of header names to values");
    }
    for (const [name, header] of Object.entries(spec.headers as Record<string, unknown>)) {
      headers[name] = String(header);
    }
  }
  if (typeof spec.body === "object" && spec.body !== null && !("content-type" in lower(headers))) {
    headers["content-type"] = "application/json";
  }
  return { method: (method as string).toUpperCase(), url: spec.url as string, body, headers };
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
