/**
 * One frame producer shared by every viewer: a camera (or ffmpeg reading
 * it) can usually be opened once, so the first viewer starts the producer,
 * each viewer gets the newest frame (a slow one skips frames, never queues
 * them), and the last one leaving stops it. The newest frame also answers
 * snapshots while anyone streams.
 *
 * @module
 */

/** Makes frames until the signal aborts. */
export type FrameProducer = (signal: AbortSignal) => AsyncIterable<Uint8Array>;

/** A shared producer and its viewers. */
export class FrameFanout {
  readonly #viewers = new Set<() => void>();
  #latest?: { frame: Uint8Array; at: number; seq: number };
  #running?: AbortController;
  #failure?: unknown;
  #finished: Promise<void> = Promise.resolve();

  constructor(readonly produce: FrameProducer) {}

  /** The newest frame if it is younger than `maxAge` ms. */
  latest(maxAge: number): Uint8Array | undefined {
    const latest = this.#latest;
    return latest && performance.now() - latest.at <= maxAge ? latest.frame : undefined;
  }

  /** The frames from now on until `signal` aborts or the producer ends (its error rethrown). */
  async *frames(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    let wake = () => {};
    const notify = () => wake();
    this.#viewers.add(notify);
    signal.addEventListener("abort", notify);
    if (!this.#running || this.#running.signal.aborted) this.#start();
    let seen = this.#latest?.seq ?? 0;
    try {
      while (!signal.aborted) {
        const latest = this.#latest;
        if (latest && latest.seq > seen) {
          seen = latest.seq;
          yield latest.frame;
          continue;
        }
        if (!this.#running) {
          if (this.#failure !== undefined) throw this.#failure;
          return;
        }
        await new Promise<void>((resolve) => wake = resolve);
      }
    } finally {
      signal.removeEventListener("abort", notify);
      this.#viewers.delete(notify);
      if (this.#viewers.size === 0) this.#running?.abort();
    }
  }

  #start(): void {
    const running = this.#running = new AbortController();
    this.#failure = undefined;
    const previous = this.#finished;
    this.#finished = (async () => {
      await previous; // a device opens once: let the last producer let go of it first
      let seq = this.#latest?.seq ?? 0;
      try {
        for await (const frame of this.produce(running.signal)) {
          if (running.signal.aborted) break;
          this.#latest = { frame, at: performance.now(), seq: ++seq };
          for (const wake of this.#viewers) wake();
        }
      } catch (error) {
        if (!running.signal.aborted) this.#failure = error;
      } finally {
        if (this.#running === running) this.#running = undefined;
        for (const wake of this.#viewers) wake();
      }
    })();
  }

  /** Stops the producer. */
  close(): void {
    this.#running?.abort();
  }
}
