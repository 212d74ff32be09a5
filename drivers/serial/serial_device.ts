/**
 * What a PySerial port reads and writes: a tty or pty path (raw mode, baud
 * rate and HUPCL through termios), or one of pyserial's network URLs,
 * `socket://HOST:PORT` (raw TCP) and `rfc2217://HOST:PORT` (serial over
 * Telnet), each behind the same small device interface.
 *
 * @module
 */
import { messageOf } from "../../src/driver/error_message.ts";
import { UnavailableError } from "../../src/driver/errors.ts";
import { writeAll } from "../../src/driver/write_all.ts";
import { openError } from "./open_error.ts";
import { escapeIac, rfc2217Greeting, TelnetDecoder } from "./rfc2217.ts";
import { configureTty } from "./termios.ts";

/** An open serial device. */
export interface SerialDevice {
  /** Bytes from the device into `buffer`; null at its end. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes all of `chunk`. */
  write(chunk: Uint8Array): Promise<void>;
  close(): void;
}

/** Where a PySerial `url` points. */
export type SerialTarget =
  | { kind: "path"; path: string }
  | { kind: "socket" | "rfc2217"; hostname: string; port: number };

/** Parses a network URL (`socket://` or `rfc2217://`); undefined for anything else. */
export function networkTarget(url: string): SerialTarget | undefined {
  const match = /^(socket|rfc2217):\/\/\[?([^\]/?#]*?)\]?:(\d+)(?:[/?#].*)?$/i.exec(url);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (!match[2] || port < 1 || port > 65535) return undefined;
  return { kind: match[1].toLowerCase() as "socket" | "rfc2217", hostname: match[2], port };
}

/** How a device is opened. */
export interface OpenOptions {
  baudrate: number;
  /** Keep the modem lines up when the port closes (clear HUPCL). */
  disableHupcl: boolean;
}

function closeAll(...files: { close(): void }[]): void {
  for (const file of files) {
    try {
      file.close();
    } catch { /* closed */ }
  }
}

/** Opens `target`; failures are driver errors naming the device. */
export async function openSerialDevice(
  target: SerialTarget,
  name: string,
  options: OpenOptions,
): Promise<SerialDevice> {
  if (target.kind === "path") {
    // Deno queues the operations of one file: one descriptor per direction.
    let input: Deno.FsFile | undefined;
    try {
      configureTty(target.path, {
        baudrate: options.baudrate,
        raw: true,
        hupcl: options.disableHupcl ? false : undefined,
      });
      input = await Deno.open(target.path, { read: true });
      const output = await Deno.open(target.path, { write: true });
      return {
        read: (buffer) => input!.read(buffer),
        write: (chunk) => writeAll(output, chunk),
        close: () => closeAll(input!, output),
      };
    } catch (error) {
      input?.close();
      throw openError(name, error);
    }
  }
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: target.hostname, port: target.port });
  } catch (error) {
    const reason = error instanceof Deno.errors.ConnectionRefused
      ? "connection refused (is the serial server running?)"
      : messageOf(error);
    throw new UnavailableError(`Cannot open serial port "${name}": ${reason}`);
  }
  if (target.kind === "socket") {
    return {
      read: (buffer) => conn.read(buffer),
      write: (chunk) => writeAll(conn, chunk),
      close: () => closeAll(conn),
    };
  }
  await writeAll(conn, rfc2217Greeting(options.baudrate));
  const decoder = new TelnetDecoder();
  const raw = new Uint8Array(64 * 1024);
  return {
    async read(buffer) {
      for (;;) {
        const n = await conn.read(raw.subarray(0, Math.min(raw.length, buffer.length)));
        if (n === null) return null;
        const { data, reply } = decoder.decode(raw.subarray(0, n));
        if (reply.length) await writeAll(conn, reply);
        if (data.length) {
          buffer.set(data);
          return data.length;
        }
      }
    },
    write: (chunk) => writeAll(conn, escapeIac(chunk)),
    close: () => closeAll(conn),
  };
}
