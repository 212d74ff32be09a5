/**
 * Giving boards back when the test process is told to stop: the boards
 * still open, closed in order on SIGINT or SIGTERM before the process exits.
 *
 * @module
 */

const open = new Set<{ close(): Promise<void> }>();
let signalsHooked = false;

/** On SIGINT/SIGTERM, give every board back in order (a `deno run` script has time for it). */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    Deno.addSignalListener(signal, () => {
      void Promise.allSettled([...open].map((d) => d.close())).then(() => Deno.exit(code));
    });
  }
}

/** Closes `board` if the process is told to stop before `forgetOnSignal(board)`. */
export function closeOnSignal(board: { close(): Promise<void> }): void {
  open.add(board);
  hookSignals();
}

/** Stops watching `board` (it is being given back). */
export function forgetOnSignal(board: { close(): Promise<void> }): void {
  open.delete(board);
}
