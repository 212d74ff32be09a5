/**
 * Whether a session uses the exporter's fast local channel: the caller's
 * wish (`fastPath`, `JMP_FAST_PATH`), the exporter's offer in its report,
 * and the proof that the channel sits beside the very socket dialed.
 *
 * @module
 */
import type { FastChannel } from "../transport/fast/client.ts";
import type { FastTarget } from "../transport/fast/dial.ts";
import type { ExporterReport } from "../transport/fast/opening.ts";
import { FAST_PATH_LABEL, FAST_PATH_SIBLING } from "../transport/fast/protocol.ts";
import { switchedOff } from "../env_switch.ts";
import type { DirectOptions } from "./direct.ts";

/** Options of `GrpcSession.open` and `connect`. */
export interface SessionOptions {
  /**
   * Use the exporter's fast local channel when it offers one (default true;
   * `JMP_FAST_PATH=off` in the environment turns it off too).
   */
  fastPath?: boolean;
  /**
   * Where to open the fast channel instead of the socket's sibling `P.fast`:
   * a lease opens it straight through the router, skipping its tunnel.
   */
  fastTarget?: FastTarget;
  /** A direct-mode exporter over TCP: its passphrase and how to trust its certificate. */
  direct?: DirectOptions;
}

/** True unless the caller or the environment (`JMP_FAST_PATH=off`) turned the fast channel off. */
export function fastPathWanted(options: SessionOptions): boolean {
  return options.fastPath !== false && !switchedOff("JMP_FAST_PATH");
}

/** True when the exporter's report offers the fast channel beside its socket. */
export function offersFastPath(report: ExporterReport | undefined): boolean {
  return report?.labels?.[FAST_PATH_LABEL] === FAST_PATH_SIBLING;
}

/** True when `path` is the socket the channel says it sits beside (not a replaced one). */
export async function isSocket(path: string, fast: FastChannel): Promise<boolean> {
  const socket = fast.exporter.socket;
  if (!socket) return false;
  try {
    const info = await Deno.stat(path);
    return info.dev === socket.dev && info.ino === socket.ino;
  } catch {
    return false;
  }
}
