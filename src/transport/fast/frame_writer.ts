/**
 * Writes the calls connection of the fast channel: the frames queued in one
 * tick leave in one socket write.
 *
 * @module
 */
import { concatBytes } from "../../driver/concat_bytes.ts";
import { writeAll } from "../../driver/write_all.ts";
import type { ByteConn } from "../byte_conn.ts";

/**
 * Queues frames and writes them in order. Frames queued in the same tick
 * (16 concurrent calls, say) leave in one write; while a write is in flight
 * the next batch gathers. After a write error every frame is dropped and
 * `onError` runs once.
 */
export class FrameWriter {
  #queue: Uint8Array[] = [];
  #size = 0;
  #scheduled = false;
  #failed = false;

  constructor(readonly conn: ByteConn, readonly onError: (error: unknown) => void) {}

  send(frame: Uint8Array): void {
    if (this.#failed) return;
    this.#queue.push(frame);
    this.#size += frame.byteLength;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.length === 1
          ? this.#queue[0]
          : concatBytes(this.#queue, this.#size);
        this.#queue = [];
        this.#size = 0;
        await writeAll(this.conn, batch);
      }
    } catch (error) {
      this.#failed = true;
      this.#queue = [];
      this.onError(error);
    } finally {
      this.#scheduled = false;
    }
  }
}
