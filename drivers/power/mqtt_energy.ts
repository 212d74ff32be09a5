/**
 * A reading from a Tasmota plug's `STATUS 8` answer over MQTT
 * (`{"StatusSNS": {"ENERGY": {"Voltage": 230, "Current": 0.1}}}`).
 *
 * @module
 */
import { NotImplementedError } from "../../src/driver/errors.ts";
import { valueAt } from "./http_reading.ts";
import type { PowerReading } from "./reading.ts";

/** The voltage and current in a `STATUS 8` answer; NotImplementedError when it has none. */
export function tasmotaEnergy(answer: string, topic: string): PowerReading {
  let data: unknown;
  try {
    data = JSON.parse(answer);
  } catch {
    throw new NotImplementedError(`The plug's answer on ${topic} is not JSON`);
  }
  const voltage = valueAt(data, "StatusSNS.ENERGY.Voltage");
  const current = valueAt(data, "StatusSNS.ENERGY.Current");
  if (typeof voltage !== "number" || typeof current !== "number") {
    throw new NotImplementedError(
      `The plug does not measure voltage and current (no StatusSNS.ENERGY in its answer on ${topic})`,
    );
  }
  return { voltage, current };
}
