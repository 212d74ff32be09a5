/**
 * `serveUntilInterrupted`: a CLI command's forwarder, serving until Ctrl-C
 * (SIGINT) or SIGTERM.
 *
 * @module
 */
import type { CliOutput } from "../../src/client/commands.ts";
import type { Forwarder } from "./forwarder.ts";

/** Prints where the forwarder listens and serves until SIGINT or SIGTERM. */
export async function serveUntilInterrupted(
  forwarder: Forwarder,
  output: CliOutput,
): Promise<void> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => stop = resolve);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    output.out(forwarder.address);
    if (output.isTerminal) output.err("Forwarding; Ctrl-C stops");
    await stopped;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await forwarder.close();
  }
}
