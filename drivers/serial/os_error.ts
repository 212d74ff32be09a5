/**
 * Failures of libc calls: the calling thread's `errno`, the errno values the
 * serial code tells apart, their C library texts and `OsError`.
 *
 * @module
 */
import { loadLibc } from "./libc.ts";

/** `errno` of the last failed libc call made on this thread. */
export function errno(): number {
  const pointer = loadLibc().__errno_location();
  return pointer ? new Deno.UnsafePointerView(pointer).getInt32() : 0;
}

/** Errno values the serial code tells apart. */
export const Errno = {
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  ENOTDIR: 20,
  EISDIR: 21,
  ENOTTY: 25,
  EROFS: 30,
  EPERM: 1,
} as const;

/** A libc call failed; `code` is its errno. */
export class OsError extends Error {
  constructor(readonly code: number, readonly call: string) {
    super(`${call} failed: ${strerror(code)}`);
    this.name = "OsError";
  }
}

/** The C library's text for an errno ("No such file or directory"). */
export function strerror(code: number): string {
  const pointer = loadLibc().strerror(code);
  return pointer ? Deno.UnsafePointerView.getCString(pointer) : `errno ${code}`;
}
