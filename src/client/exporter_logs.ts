/**
 * The exporter's log stream as the lease holder sees it (upstream's
 * LogStream, `jmp shell --exporter-logs`): one line per record, until the
 * session ends. Only the holder of the session's connection can ask, and
 * the exporter leaves secrets out of what it sends.
 *
 * @module
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { parseAddress } from "../transport/address.ts";
import { GrpcSession } from "./session.ts";

/** One LogStream record, as `followExporterLogs` formats it. */
export interface ExporterLogLine {
  time: Date;
  severity: string;
  operation: string;
  message: string;
}

/** `HH:MM:SS LEVEL [operation] message`. */
export function formatExporterLog(line: ExporterLogLine): string {
  const time = line.time.toISOString().slice(11, 19);
  return `${time} ${line.severity.padEnd(7)} [exporter${
    line.operation ? ` ${line.operation}` : ""
  }] ${line.message}`;
}

/**
 * Calls `onLine` with each log record of the exporter at `host` until
 * `signal` aborts (resolves then) or the exporter ends the stream.
 */
export async function followExporterLogs(
  host: string,
  onLine: (line: ExporterLogLine) => void,
  signal: AbortSignal,
): Promise<void> {
  await using session = GrpcSession.forAddress(parseAddress(host));
  try {
    for await (const record of session.exporter.logStream({}, { signal })) {
      onLine({
        time: record.timestamp ? timestampDate(record.timestamp) : new Date(),
        severity: record.severity,
        operation: record.operation ?? "",
        message: record.message,
      });
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
