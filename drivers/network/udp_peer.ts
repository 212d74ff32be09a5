/**
 * `UdpPeer`: one sending peer of a UDP forwarder and its own byte stream to
 * the network driver, ended after a silence.
 *
 * @module
 */
import type { StreamOpener } from "./forwarder.ts";

/** One UDP peer of a forwarder and its stream; ends after a silence. */
export class UdpPeer {
  readonly done: Promise<void>;
  readonly #writer: Promise<WritableStreamDefaultWriter<Uint8Array>>;
  readonly #reader: Promise<ReadableStreamDefaultReader<Uint8Array>>;
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  constructor(
    open: StreamOpener,
    readonly idle: number,
    reply: (datagram: Uint8Array) => void,
    readonly onEnd: () => void,
    readonly onError: (error: unknown) => void,
  ) {
    const stream = open();
    this.#writer = stream.then((s) => s.writable.getWriter());
    this.#writer.catch(() => {});
    const reader = this.#reader = stream.then((s) => s.readable.getReader());
    this.done = (async () => {
      try {
        const replies = await reader;
        while (true) {
          const { value, done } = await replies.read();
          if (done) break;
          reply(value);
          this.#touch();
        }
      } catch (error) {
        if (!this.#stopped) onError(error);
      } finally {
        this.stop();
      }
    })();
    this.#touch();
  }

  /** Sends one datagram from the peer down its stream. */
  send(datagram: Uint8Array): void {
    this.#touch();
    this.#writer.then((w) => w.write(datagram)).catch((error) => {
      if (!this.#stopped) this.onError(error);
    });
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#reader.then((r) => r.cancel()).catch(() => {});
    this.#writer.then((w) => w.close()).catch(() => {});
    this.onEnd();
  }

  #touch(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.stop(), this.idle);
  }
}
