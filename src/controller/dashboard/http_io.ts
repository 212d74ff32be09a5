/**
 * Small pieces of HTTP the dashboard needs over `node:http` and
 * `node:http2`'s compatibility API alike: bounded bodies, JSON answers,
 * cookies and the headers every answer carries.
 *
 * @module
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import { concatBytes } from "../../driver/concat_bytes.ts";

/** A request as both servers hand it over. */
export type Req = http.IncomingMessage | http2.Http2ServerRequest;
/** A response as both servers hand it over. */
export type Res = http.ServerResponse | http2.Http2ServerResponse;

/** Headers on every dashboard answer: no framing, no sniffing, scripts only from here. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

/** Writes a status, headers and a body. */
export function send(
  res: Res,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "cache-control": "no-store", ...headers });
  res.end(body);
}

/** Answers JSON. */
export function sendJson(res: Res, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), { "content-type": "application/json" });
}

/** Answers an error as `{ error }` JSON: one clear line. */
export function sendError(res: Res, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** The request body, refused (RangeError) past `limit` bytes. */
export async function readBody(req: Req, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new RangeError(`Request body over ${limit} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new RangeError(`Request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return concatBytes(chunks, size);
}

/** One cookie's value from the request. */
export function cookie(req: Req, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== "string" || header.length > 8192) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A `set-cookie` value for the session: HttpOnly, SameSite=Strict, Secure on TLS. */
export function sessionCookie(name: string, value: string, secure: boolean, maxAgeS: number) {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}` +
    (secure ? "; Secure" : "");
}

/**
 * Whether a state-changing request comes from the dashboard's own page:
 * its CSRF token matches and, when the browser names an origin, the origin
 * is this host.
 */
export function sameOrigin(req: Req, csrf: string): boolean {
  if (req.headers["x-csrf-token"] !== csrf) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = (req as http2.Http2ServerRequest).authority ?? req.headers.host;
  try {
    return typeof origin === "string" && new URL(origin).host === host;
  } catch {
    return false;
  }
}
