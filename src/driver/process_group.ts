/**
 * `killGroup`: signals a child process and everything it started (its
 * process group), as scripts and command drivers need on timeout or cancel.
 *
 * @module
 */

/** Sends `signal` to the whole process group of `child`. */
export function killGroup(child: Deno.ChildProcess, signal: Deno.Signal = "SIGKILL"): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
