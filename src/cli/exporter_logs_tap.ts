/**
 * `--exporter-logs`: while a session's command runs, the exporter's log
 * stream is printed on stderr, one line per record, so the lease holder
 * sees what the drivers and hooks do on the far side.
 *
 * @module
 */
import { messageOf } from "../driver/error_message.ts";
import { terminal } from "./run.ts";

/** Runs `run`; when `enabled`, follows the logs of the exporter at `host` until it ends. */
export async function whileFollowingLogs<T>(
  host: string,
  enabled: boolean | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (!enabled) return await run();
  const { followExporterLogs, formatExporterLog } = await import("../client/exporter_logs.ts");
  const stop = new AbortController();
  const following = followExporterLogs(
    host,
    (line) => terminal.err(formatExporterLog(line)),
    stop.signal,
  ).catch((error) => terminal.err(`Exporter logs stopped: ${messageOf(error)}`));
  try {
    return await run();
  } finally {
    stop.abort();
    await following;
  }
}
