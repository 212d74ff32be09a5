/**
 * Terminal settings (termios) through FFI to the C library: raw mode and
 * baud rate for serial ports and pseudo-terminals. `npm:serialport` opens
 * ports under Deno but its I/O fails, and Deno itself only offers raw mode
 * for its own stdin, so the few libc calls needed live here.
 *
 * Settings belong to the terminal device, not to one open file, so they are
 * applied through a short-lived descriptor of their own while the data flows
 * through a `Deno.open()`ed file.
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

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const TCSANOW = 0;

/** `struct termios` is 60 bytes with glibc on Linux; a little room to spare. */
const TERMIOS_SIZE = 64;
const ICANON = 0o2;
const ECHO = 0o10;
const ISIG = 0o1;
const OPOST = 0o1;
const ICRNL = 0o400;

/** Baud rates with their `Bnnn` constants (Linux, asm-generic/termbits.h). */
const SPEEDS: ReadonlyMap<number, number> = new Map([
  [50, 0o1],
  [75, 0o2],
  [110, 0o3],
  [134, 0o4],
  [150, 0o5],
  [200, 0o6],
  [300, 0o7],
  [600, 0o10],
  [1200, 0o11],
  [1800, 0o12],
  [2400, 0o13],
  [4800, 0o14],
  [9600, 0o15],
  [19200, 0o16],
  [38400, 0o17],
  [57600, 0o10001],
  [115200, 0o10002],
  [230400, 0o10003],
  [460800, 0o10004],
  [500000, 0o10005],
  [576000, 0o10006],
  [921600, 0o10007],
  [1000000, 0o10010],
  [1152000, 0o10011],
  [1500000, 0o10012],
  [2000000, 0o10013],
  [2500000, 0o10014],
  [3000000, 0o10015],
  [3500000, 0o10016],
  [4000000, 0o10017],
]);

/** The baud rates `configureTty()` accepts. */
export const BAUD_RATES: readonly number[] = [...SPEEDS.keys()];

/** Checks a baud rate, or throws a RangeError listing the supported ones. */
export function checkBaudRate(baudrate: number): number {
  if (!SPEEDS.has(baudrate)) {
    throw new RangeError(
      `Unsupported baud rate ${baudrate}: use one of ${BAUD_RATES.join(", ")}`,
    );
  }
  return baudrate;
}

/** What `readTtySettings()` reports. */
export interface TtySettings {
  /** Output baud rate (a number such as 115200). */
  baudrate: number;
  /** Input baud rate. */
  inputBaudrate: number;
  /** No line editing, echo, signals or output processing (what `cfmakeraw` sets). */
  raw: boolean;
  /** Line editing (ICANON): input arrives line by line. */
  canonical: boolean;
  /** Typed characters are echoed (ECHO). */
  echo: boolean;
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
}

/** Settings to apply with `configureTty()`. */
export interface TtyOptions {
  /** Baud rate (default: leave as it is). */
  baudrate?: number;
  /** Raw mode: bytes pass unchanged both ways (default true). */
  raw?: boolean;
}

function cString(text: string): Uint8Array {
  return new TextEncoder().encode(text + "\0");
}

/** Opens `path` for termios calls, runs `use`, closes it again. */
function withTtyFd<T>(path: string, use: (fd: number) => T): T {
  const c = loadLibc();
  const fd = c.open(cString(path), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw new OsError(errno(), `open("${path}")`);
  try {
    return use(fd);
  } finally {
    c.close(fd);
  }
}

function getattr(fd: number, path: string): Uint8Array {
  const termios = new Uint8Array(TERMIOS_SIZE);
  if (loadLibc().tcgetattr(fd, termios) !== 0) {
    throw new OsError(errno(), `tcgetattr("${path}")`);
  }
  return termios;
}

function decode(termios: Uint8Array): TtySettings {
  const view = new DataView(termios.buffer);
  const c = loadLibc();
  const [iflag, oflag, cflag, lflag] = [0, 4, 8, 12].map((o) => view.getUint32(o, true));
  const speedOf = (code: number) =>
    [...SPEEDS].find(([, constant]) => constant === code)?.[0] ?? code;
  return {
    baudrate: speedOf(c.cfgetospeed(termios)),
    inputBaudrate: speedOf(c.cfgetispeed(termios)),
    raw: (lflag & (ICANON | ECHO | ISIG)) === 0 && (oflag & OPOST) === 0 &&
      (iflag & ICRNL) === 0,
    canonical: (lflag & ICANON) !== 0,
    echo: (lflag & ECHO) !== 0,
    iflag,
    oflag,
    cflag,
    lflag,
  };
}

/**
 * Applies raw mode and a baud rate to the terminal at `path`. Throws an
 * `OsError` (errno `ENOENT`, `EACCES`, `ENOTTY`...) when it cannot.
 */
export function configureTty(path: string, options: TtyOptions = {}): TtySettings {
  const c = loadLibc();
  return withTtyFd(path, (fd) => {
    const termios = getattr(fd, path);
    if (options.raw ?? true) c.cfmakeraw(termios);
    if (options.baudrate !== undefined) {
      if (c.cfsetspeed(termios, SPEEDS.get(checkBaudRate(options.baudrate))!) !== 0) {
        throw new OsError(errno(), `cfsetspeed(${options.baudrate})`);
      }
    }
    if (c.tcsetattr(fd, TCSANOW, termios) !== 0) {
      throw new OsError(errno(), `tcsetattr("${path}")`);
    }
    return decode(getattr(fd, path));
  });
}

/** Reads back the settings of the terminal at `path`. */
export function readTtySettings(path: string): TtySettings {
  return withTtyFd(path, (fd) => decode(getattr(fd, path)));
}
