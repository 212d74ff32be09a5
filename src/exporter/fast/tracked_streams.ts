/**
 * The byte connections a fast-channel session opened (driver streams and
 * resources), exporter side. Since a process that dies reads as a clean end
 * of data, the end of a resource's data reaches the driver only once the
 * client confirmed it (DONE); ABANDON, or the end of the session, fails the
 * resource and closes the connection.
 *
 * @module
 */
import { UnavailableError } from "../../driver/errors.ts";
import type { OpenResource } from "../resources.ts";

/** A byte connection of a session. */
export interface Tracked {
  /** Closes the connection at once. */
  close(): void;
  resource?: OpenResource;
  /** Waiting for DONE before handing end of data to the driver. */
  waiter?: { resolve: () => void; reject: (error: unknown) => void };
  /** DONE arrived before the end of data was read. */
  done?: boolean;
}

const clientLeft = () => new UnavailableError("The client left before the stream ended");
const abandoned = () => new UnavailableError("The client abandoned the stream");

/** The byte connections of one session, by stream id. */
export class TrackedStreams {
  readonly #streams = new Map<string, Tracked>();
  #ended = false;

  /** Tracks a byte connection of this session under `id` until the returned function runs. */
  track(id: string, tracked: Tracked): () => void {
    if (this.#ended) {
      tracked.resource?.fail(clientLeft());
      tracked.close();
    }
    this.#streams.set(id, tracked);
    return () => this.#streams.delete(id);
  }

  /** Resolves once the client confirmed (DONE) the end of its data on stream `id`. */
  confirmed(id: string): Promise<void> {
    const tracked = this.#streams.get(id);
    if (!tracked || this.#ended) return Promise.reject(clientLeft());
    if (tracked.done) return Promise.resolve();
    return new Promise((resolve, reject) => tracked.waiter = { resolve, reject });
  }

  /** DONE: the client's data on stream `id` ended cleanly. */
  done(id: string): void {
    const tracked = this.#streams.get(id);
    if (!tracked) return;
    tracked.done = true;
    tracked.waiter?.resolve();
    tracked.waiter = undefined;
  }

  /** ABANDON: the client gave stream `id` up. */
  abandon(id: string): void {
    this.#abandon(this.#streams.get(id), abandoned());
  }

  #abandon(tracked: Tracked | undefined, reason: Error): void {
    if (!tracked) return;
    tracked.waiter?.reject(reason);
    tracked.waiter = undefined;
    tracked.resource?.fail(reason);
    tracked.close();
  }

  /** The session ended: every connection closes and its resource fails. */
  end(): void {
    this.#ended = true;
    for (const tracked of this.#streams.values()) this.#abandon(tracked, clientLeft());
    this.#streams.clear();
  }
}
