/**
 * The file end of a large transfer (an image flashed or uploaded), read or
 * written in chunks of a few hundred KiB, each hashed and sent on as it goes.
 *
 * Deno runs `FsFile.read()`/`write()` on a thread of its own and wakes the
 * event loop when done. On a host with one or two cores that hand-off costs
 * more than the overlap it buys: the thread competes for the same cores as
 * the hash and the socket, and every chunk pays two context switches. There
 * the chunks are read and written on the event loop's own thread instead
 * (`readSync`/`writeSync`, about 60 µs per 256 KiB from or to the page
 * cache): a 64 MiB flash over the local socket took 76 instead of 92 ms on
 * a 2-core machine, both ends changed. With more cores the thread overlaps
 * the hash and is kept.
 *
 * A blocking call also stalls everything else the process serves, so one
 * that takes longer than `SLOW_MS` (a cold cache on a slow disk, or the
 * kernel throttling a writer that outruns the disk) hands the rest of the
 * transfer back to the thread. Only regular files qualify: a pipe or a
 * device may wait on its other end for as long as it likes, so callers
 * pass `blocking: false` for them.
 *
 * @module
 */
import { writeAll } from "./write_all.ts";

/** Hosts with at most this many cores read and write on the event loop's thread. */
export const FEW_CORES = 2;

/** A blocking read or write slower than this (ms) ends blocking calls for the transfer. */
export const SLOW_MS = 4;

/** Reads and writes of one transfer's file; see the module doc. */
export class TransferFile {
  #blocking: boolean;

  /** `blocking` defaults to whether the host has few cores (`FEW_CORES`). */
  constructor(readonly file: Deno.FsFile, blocking = navigator.hardwareConcurrency <= FEW_CORES) {
    this.#blocking = blocking;
  }

  /** Whether calls still block the event loop (false once one was slow). */
  get blocking(): boolean {
    return this.#blocking;
  }

  /** Reads into `view`: the bytes read, null at the end of the file. */
  read(view: Uint8Array): Promise<number | null> {
    if (!this.#blocking) return this.file.read(view);
    try {
      const started = performance.now();
      const n = this.file.readSync(view);
      this.#timed(started);
      return Promise.resolve(n);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void> {
    if (!this.#blocking) return writeAll(this.file, bytes);
    try {
      const started = performance.now();
      for (let done = 0; done < bytes.byteLength;) {
        done += this.file.writeSync(bytes.subarray(done));
      }
      this.#timed(started);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #timed(started: number): void {
    if (performance.now() - started > SLOW_MS) this.#blocking = false;
  }
}
