/**
 * One logger for the whole toolkit. Records go to every attached sink: the
 * terminal (text or JSON lines on stderr) and, inside an exporter, the
 * LogStream that clients read. Nothing here ever formats a token.
 *
 * @module
 */

/** Severity, lowest first. */
export type LogLevel = "debug" | "info" | "warning" | "error";

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

/** One log record. */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  /** Who logged: a driver path such as `power`, or `exporter`. */
  source: string;
  message: string;
  /** Driver uuid when a driver logged it. */
  uuid?: string;
}

/** Receives records at or above its level. */
export type LogSink = (record: LogRecord) => void;

/** A named logger; `child()` shares the sinks. */
export class Logger {
  readonly #sinks: Set<LogSink>;
  constructor(readonly source = "jumpstarter", sinks?: Set<LogSink>, readonly uuid?: string) {
    this.#sinks = sinks ?? new Set();
  }

  /** A logger for a sub-component that writes to the same sinks. */
  child(source: string, uuid?: string): Logger {
    return new Logger(source, this.#sinks, uuid);
  }

  /** Adds a sink; returns a function that removes it. */
  attach(sink: LogSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  log(level: LogLevel, message: string): void {
    if (this.#sinks.size === 0) return;
    const record = { time: new Date(), level, source: this.source, message, uuid: this.uuid };
    for (const sink of this.#sinks) sink(record);
  }
  debug(message: string): void {
    this.log("debug", message);
  }
  info(message: string): void {
    this.log("info", message);
  }
  warning(message: string): void {
    this.log("warning", message);
  }
  error(message: string): void {
    this.log("error", message);
  }
}

/** Parses a `--log-level` value. */
export function parseLogLevel(text: string): LogLevel {
  const level = text.toLowerCase() === "warn" ? "warning" : text.toLowerCase();
  if (!(level in rank)) {
    throw new TypeError(`Unknown log level "${text}": use debug, info, warning or error`);
  }
  return level as LogLevel;
}

/** A sink writing to stderr as text, or as JSON lines when `json` is set. */
export function stderrSink(min: LogLevel = "info", json = false): LogSink {
  const encoder = new TextEncoder();
  return (record) => {
    if (rank[record.level] < rank[min]) return;
    const line = json
      ? JSON.stringify({ ...record, time: record.time.toISOString() })
      : `${record.time.toISOString().slice(11, 23)} ${
        record.level.toUpperCase().padEnd(7)
      } ${record.source}: ${record.message}`;
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  };
}

/** True when `level` passes `min`. */
export function levelPasses(level: LogLevel, min: LogLevel): boolean {
  return rank[level] >= rank[min];
}
