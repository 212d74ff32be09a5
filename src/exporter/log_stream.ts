/**
 * The exporter's LogStream: its log records (the exporter's and its
 * drivers') followed as they are written, as LogStream responses. A client
 * that reads slower than records arrive loses the oldest beyond 1,000.
 *
 * @module
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { LogSource } from "../gen/jumpstarter/v1/common_pb.ts";
import type { LogStreamResponseSchema } from "../gen/jumpstarter/v1/jumpstarter_pb.ts";
import type { LogRecord } from "../log.ts";
import type { Exporter } from "./exporter.ts";

/** One log record as a LogStream response. */
function logResponse(record: LogRecord): MessageInitShape<typeof LogStreamResponseSchema> {
  return {
    uuid: record.uuid ?? "",
    severity: record.level.toUpperCase(),
    message: record.message,
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
      while (queue.length > 0) yield logResponse(queue.shift()!);
      await new Promise<void>((resolve) => wake = resolve);
      wake = undefined;
    }
  } finally {
    stop();
    signal.removeEventListener("abort", aborted);
  }
}
