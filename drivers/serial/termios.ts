/**
 * Terminal settings (termios) through FFI to the C library: raw mode and
 * baud rate for serial ports and pseudo-terminals. `npm:serialport` opens
 * ports under Deno but its I/O fails, and Deno itself only offers raw mode
 * for its own stdin, so the few libc calls needed (`libc.ts`) are made here.
 *
 * Settings belong to the terminal device, not to one open file, so they are
 * applied through a short-lived descriptor of their own while the data flows
 * through a `Deno.open()`ed file.
 *
 * @module
 */
import { baudRateOf, speedConstant } from "./baud_rates.ts";
import { loadLibc } from "./libc.ts";
import { errno, OsError } from "./os_error.ts";

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
/** c_cflag's HUPCL on Linux. */
export const HUPCL = 0o2000;

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
  /** HUPCL: drop the modem lines (DTR) on the last close; false keeps them up (default: leave). */
  hupcl?: boolean;
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
  return {
    baudrate: baudRateOf(c.cfgetospeed(termios)),
    inputBaudrate: baudRateOf(c.cfgetispeed(termios)),
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
      if (c.cfsetspeed(termios, speedConstant(options.baudrate)) !== 0) {
        throw new OsError(errno(), `cfsetspeed(${options.baudrate})`);
      }
    }
    if (options.hupcl !== undefined) {
      const view = new DataView(termios.buffer);
      const cflag = view.getUint32(8, true);
      view.setUint32(8, options.hupcl ? cflag | HUPCL : cflag & ~HUPCL, true);
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
