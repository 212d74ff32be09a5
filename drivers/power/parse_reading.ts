/**
 * The reading a `power.CommandPower` `read` command prints, parsed:
 * `VOLTAGE CURRENT` or `{"voltage": V, "current": A}` on its last line.
 *
 * @module
 */
import { lastLine } from "../../src/driver/last_line.ts";
import type { PowerReading } from "./reading.ts";

/**
 * Parses a reading printed by a `read` command: the last non-empty line, as
 * `VOLTAGE CURRENT` (units `V`/`A` allowed) or as JSON `{"voltage": V, "current": A}`.
 */
export function parseReading(output: string, command = "read"): PowerReading {
  const line = lastLine(output);
  const fail = (): never => {
    throw new Error(
      `Cannot parse the power reading printed by \`${command}\`: expected "VOLTAGE CURRENT" or ` +
        `{"voltage": V, "current": A}, got ${JSON.stringify(line)}`,
    );
  };
  let voltage: unknown;
  let current: unknown;
  if (line.startsWith("{")) {
    try {
      ({ voltage, current } = JSON.parse(line));
    } catch {
      fail();
    }
  } else {
    const parts = line.split(/\s+/);
    if (parts.length !== 2) fail();
    [voltage, current] = parts.map((p) => /^[-+0-9.eE]+[VvAa]?$/.test(p) ? parseFloat(p) : NaN);
  }
  if (
    typeof voltage !== "number" || typeof current !== "number" || !Number.isFinite(voltage) ||
    !Number.isFinite(current)
  ) fail();
  return { voltage: voltage as number, current: current as number };
}
