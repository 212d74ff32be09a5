/**
 * Bounds on the controller's connections, so idle or half-open sockets can
 * never use up its file descriptors and stop it accepting: a connection cap
 * (new ones are closed at once, with one log line per burst) and a deadline
 * for a connection's first byte (or TLS handshake).
 *
 * @module
 */
import type { Socket } from "node:net";
import type { Logger } from "../log.ts";

/** How many connections, and how long a silent one may wait. */
export interface ConnectionLimits {
  /** Most open connections (default: half the process's open-file limit, at most 4096). */
  maxConnections?: number;
  /** Close a connection that sends nothing (or no TLS handshake) this long (default 10 s). */
  firstByteTimeoutMs?: number;
}

/** Half the soft open-file limit, kept between 64 and 4096; 512 when it cannot be read. */
export function defaultMaxConnections(): number {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = Number(limits.match(/^Max open files\s+(\d+)/m)?.[1]);
    if (Number.isFinite(soft) && soft > 0) {
      return Math.max(64, Math.min(4096, Math.floor(soft / 2)));
    }
  } catch { /* not Linux */ }
  return 512;
}

/** Counts connections and closes what goes past the limits. */
export class ConnectionGuard {
  readonly maxConnections: number;
  readonly firstByteTimeoutMs: number;
  #open = 0;
  #refusing = false;

  constructor(limits: ConnectionLimits, readonly log?: Logger) {
    this.maxConnections = limits.maxConnections ?? defaultMaxConnections();
    this.firstByteTimeoutMs = limits.firstByteTimeoutMs ?? 10_000;
  }

  get open(): number {
    return this.#open;
  }

  /** Takes a new connection; false (and the socket closed) when over the cap. */
  admit(socket: Socket): boolean {
    if (this.#open >= this.maxConnections) {
      if (!this.#refusing) {
        this.#refusing = true;
        this.log?.warning(
          `connection cap of ${this.maxConnections} reached: closing new connections until some end (--max-connections)`,
        );
      }
      socket.destroy();
      return false;
    }
    this.#open++;
    socket.once("close", () => {
      this.#open--;
      if (this.#refusing && this.#open < this.maxConnections * 0.9) {
        this.#refusing = false;
        this.log?.info(`accepting connections again (${this.#open} open)`);
      }
    });
    return true;
  }

  /** Closes `socket` unless `started` is called within the first-byte deadline. */
  deadline(socket: Socket): { started(): void } {
    const timer = setTimeout(() => socket.destroy(), this.firstByteTimeoutMs);
    socket.once("close", () => clearTimeout(timer));
    return { started: () => clearTimeout(timer) };
  }
}
