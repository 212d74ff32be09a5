/**
 * Where a DUT Link board's shell is: the `port` given, or the tty under
 * `/dev/serial/by-id/` whose name holds the board's `serial` number.
 *
 * @module
 */
import { ConfigError, type ConfigReader } from "../../src/driver/config_check.ts";

const BY_ID = "/dev/serial/by-id";

/** The shell's tty path from `port`, or found by `serial`; fails in one line. */
export function shellPort(reader: ConfigReader, byId = BY_ID): string {
  const port = reader.string("port");
  if (port !== undefined) return port;
  const serial = reader.string("serial");
  if (serial === undefined) {
    throw new ConfigError(
      `Invalid config ${reader.path}.config: give serial (the board's USB serial number) or port (its shell's tty)`,
    );
  }
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(byId)].map((entry) => entry.name);
  } catch {
    // No USB serial devices at all.
  }
  const found = names.filter((name) => name.includes(serial)).sort();
  if (found.length === 0) {
    throw new ConfigError(
      `No DUT Link board with serial "${serial}": no tty under ${byId} names it (is it plugged in?)`,
    );
  }
  return `${byId}/${found[0]}`;
}
