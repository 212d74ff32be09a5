/**
 * A streaming call the exporter runs on a fast-channel session, with its
 * flow control: it may send `WINDOW` items ahead of the client, which
 * returns credit (CREDIT frames) as its consumer takes them, so a slow
 * consumer holds the driver back instead of a queue growing without bound.
 *
 * @module
 */
import { WINDOW } from "../../transport/fast/protocol.ts";

/** A running streaming call: its cancel and its credit. */
export class RunningStream {
  readonly abort: AbortController = new AbortController();
  /** Items it may still send before the client returns credit. */
  credit: number = WINDOW;
  /** Wakes the call while it waits for credit. */
  wake?: () => void;

  /** CREDIT: the client took `n` more items. */
  grant(n: number): void {
    this.credit += n;
    this.wake?.();
  }

  /** CANCEL, or the session ended: the call stops. */
  cancel(): void {
    this.abort.abort();
    this.wake?.();
  }
}
