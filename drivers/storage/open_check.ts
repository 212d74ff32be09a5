/**
 * Whether a file is open anywhere, asked of the kernel: Linux grants a write
 * lease (`fcntl(F_SETLEASE, F_WRLCK)`) only on a file that no other open file
 * description refers to, in any process of any user (a loop device or a
 * mass-storage gadget backed by the file counts too). Deno has no `fcntl`, so
 * the three libc calls go through FFI, as the serial drivers' termios calls do.
 *
 * @module
 */

const symbols = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof symbols>["symbols"];
/** null: no C library to call (not Linux/glibc, or no --allow-ffi). */
let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc === undefined) {
    try {
      libc = Deno.dlopen("libc.so.6", symbols).symbols;
    } catch {
      libc = null;
    }
  }
  return libc;
}

const O_RDONLY = 0;
const O_NOFOLLOW = 0o400000;
const O_CLOEXEC = 0o2000000;
const F_SETLEASE = 1024;
const F_WRLCK = 1;
const F_UNLCK = 2;
const EAGAIN = 11;

/**
 * True when some open file refers to the regular file `path` (in this
 * process too), false when none does. Undefined when the kernel cannot say:
 * no FFI, a symlink, not the file's owner, or a file system without leases
 * (NFS, FUSE); callers then assume the file is in use.
 */
export function openElsewhere(path: string): boolean | undefined {
  const c = loadLibc();
  if (!c) return undefined;
  const fd = c.open(new TextEncoder().encode(`${path}\0`), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return undefined;
  try {
    if (c.fcntl(fd, F_SETLEASE, F_WRLCK) === 0) {
      c.fcntl(fd, F_SETLEASE, F_UNLCK);
      return false;
    }
    const errno = c.__errno_location();
    return errno && new Deno.UnsafePointerView(errno).getInt32() === EAGAIN ? true : undefined;
  } finally {
    c.close(fd);
  }
}
