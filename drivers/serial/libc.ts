/**
 * The C library through FFI, loaded once per process: the termios calls that
 * set up serial ports and pseudo-terminals, and `errno`/`strerror` to say why
 * one failed.
 *
 * @module
 */

const libcSymbols = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  cfmakeraw: { parameters: ["buffer"], result: "void" },
  cfsetspeed: { parameters: ["buffer", "u32"], result: "i32" },
  cfgetospeed: { parameters: ["buffer"], result: "u32" },
  cfgetispeed: { parameters: ["buffer"], result: "u32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof libcSymbols>["symbols"];
let libc: Libc | undefined;

/** The C library, loaded once per process (it stays loaded, as libc does anyway). */
export function loadLibc(): Libc {
  if (libc) return libc;
  try {
    libc = Deno.dlopen("libc.so.6", libcSymbols).symbols;
  } catch (error) {
    throw new Error(
      `Cannot load libc.so.6 for terminal settings (needs Linux with glibc and --allow-ffi): ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
  return libc;
}
