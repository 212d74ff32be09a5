/**
 * Stopping a command that waits: SIGINT, SIGTERM or SIGHUP abort the wait
 * (a lease in the queue is then released by whoever made it) and the command
 * exits with 128+signal and one line saying so.
 *
 * @module
 */
import { ExitStatus } from "./run.ts";

/** The signals a waiting command stops on. */
export const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The number of a signal, for the 128+N exit status. */
export function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 1;
}

/**
 * Runs `work` with a signal that aborts on SIGINT, SIGTERM or SIGHUP; if it
 * does, `work`'s rejection becomes an exit with 128+signal and one line.
 */
export async function whileSignalled<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const handlers = signals.map((name) => {
    const handler = () => stop.abort(name);
    Deno.addSignalListener(name, handler);
    return () => Deno.removeSignalListener(name, handler);
  });
  try {
    return await work(stop.signal);
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    const name = stop.signal.reason as Deno.Signal;
    Deno.stderr.writeSync(
      new TextEncoder().encode(`Stopped waiting for a board (${name}); the lease was released\n`),
    );
    throw new ExitStatus(128 + signalNumber(name));
  } finally {
    for (const remove of handlers) remove();
  }
}

/** Signals a session holds for its whole life, and the first that came. */
export interface SignalHold {
  /** The first SIGINT, SIGTERM or SIGHUP received, if any. */
  readonly received: Deno.Signal | undefined;
  /** Throws the 128+signal exit if one came (call it between steps that start things). */
  check(): void;
  release(): void;
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP from now until `release()`, so that
 * none of them kills the process with the default action while it owns
 * things to clean up (a socket directory, a disk image, a lease): a signal
 * sent to the whole process group (timeout(1), systemd, CI) can reach us
 * at any moment, before a step has put its own listener in place or after
 * it took it away. The signal is remembered; `check()` turns it into the
 * 128+signal exit at the next step, after the finally blocks ran.
 */
export function holdSignals(): SignalHold {
  let received: Deno.Signal | undefined;
  const removers = signals.map((name) => {
    const handler = () => {
      received ??= name;
    };
    Deno.addSignalListener(name, handler);
    return () => Deno.removeSignalListener(name, handler);
  });
  return {
    get received() {
      return received;
    },
    check() {
      if (received !== undefined) throw new ExitStatus(128 + signalNumber(received));
    },
    release() {
      for (const remove of removers.splice(0)) remove();
    },
  };
}
