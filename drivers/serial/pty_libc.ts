/**
 * The libc calls a pseudo-terminal pair needs (open, unlock and name the
 * master, read, write, poll), loaded once per process through FFI.
 *
 * @module
 */

const ptySymbols = {
  posix_openpt: { parameters: ["i32"], result: "i32" },
  grantpt: { parameters: ["i32"], result: "i32" },
  unlockpt: { parameters: ["i32"], result: "i32" },
  ptsname_r: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  // Runs off the main thread, so waiting for data never blocks the event loop.
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
} as const;

/** The pty calls of the C library. */
export type PtyLibc = Deno.DynamicLibrary<typeof ptySymbols>["symbols"];
let lib: PtyLibc | undefined;

/** The C library's pty calls, loaded on first use. */
export function ptyLibc(): PtyLibc {
  return lib ??= Deno.dlopen("libc.so.6", ptySymbols).symbols;
}
