/**
 * The exporter's LogStream: its log records (the exporter's and its
 * drivers') followed as they are written, as LogStream responses. A client
 * that reads slower than records arrive loses the oldest beyond 1,000.
 * Secrets are left out: the exporter's token, anything token-shaped,
 * credentials in URLs and values named as secrets.
 *
 * @module
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { LogSource } from "../gen/jumpstarter/v1/common_pb.ts";
import type { LogStreamResponseSchema } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import type { LogRecord } from "../log.ts";
import { redactSecrets, redactUrl } from "../driver/redact.ts";
import type { Exporter } from "./exporter.ts";

/** Tokens in the JWT shape (this project's and upstream's), wherever a line carries one. */
const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}/g;
/** `token=X`, `password: X` and the like (a plain "token expired" stays). */
const NAMED_SECRET = /\b(token|password|passwd|secret|api[_-]?key)(\s*[:=]\s*)("?)[^\s"',;&`]+/gi;
/** `Bearer X` in a header. */
const BEARER = /\b(bearer)(\s+)()[^\s"',;&`]+/gi;

/**
 * A log message as the lease holder may see it: the exporter's own token,
 * anything shaped like a token, credentials in URLs and values named as
 * secrets become `***`.
 */
export function redactLogMessage(
  message: string,
  secrets: readonly (string | undefined)[],
): string {
  return redactSecrets(message, secrets)
    .replace(JWT, "***")
    .replace(NAMED_SECRET, (_, name, sep, quote) => `${name}${sep}${quote}***`)
    .replace(BEARER, (_, name, sep) => `${name}${sep}***`)
    .replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi, (url) => redactUrl(url));
}

/** One log record as a LogStream response. */
function logResponse(
  record: LogRecord,
  secrets: readonly (string | undefined)[],
): MessageInitShape<typeof LogStreamResponseSchema> {
  return {
    uuid: record.uuid ?? "",
    severity: record.level.toUpperCase(),
    message: redactLogMessage(record.message, secrets),
    source: record.uuid ? LogSource.DRIVER : LogSource.SYSTEM,
    operation: record.source,
    timestamp: timestampFromDate(record.time),
  };
}

/** The exporter's log records from now on, until `signal` aborts. */
export async function* logResponses(
  exporter: Exporter,
  signal: AbortSignal,
): AsyncGenerator<MessageInitShape<typeof LogStreamResponseSchema>> {
  const secrets = [exporter.config.token];
  const queue: LogRecord[] = [];
  let wake: (() => void) | undefined;
  const stop = exporter.followLogs((record) => {
    if (queue.length >= 1000) queue.shift();
    queue.push(record);
    wake?.();
  });
  const aborted = () => wake?.();
  signal.addEventListener("abort", aborted);
  try {
    while (!signal.aborted) {
      while (queue.length > 0) yield logResponse(queue.shift()!, secrets);
      await new Promise<void>((resolve) => wake = resolve);
      wake = undefined;
    }
  } finally {
    stop();
    signal.removeEventListener("abort", aborted);
  }
}
