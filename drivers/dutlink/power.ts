/**
 * The power of a DUT Link board: `power on|off|force-on|force-off|rescue`
 * through its shell, and readings from its power meter (`meter read`).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { unary } from "../../src/driver/exports.ts";
import { PowerDriver } from "../power/interface.ts";
import type { PowerReading } from "../power/reading.ts";
import type { DutLinkShell } from "./shell.ts";

/** The numbers in a `meter read` answer: `5.02V 0.31A 1.55W` (missing ones are 0, as upstream). */
export function parseMeter(text: string): PowerReading {
  const reading: PowerReading = { voltage: 0, current: 0 };
  for (const [, value, unit] of text.matchAll(/(-?\d+(?:\.\d+)?)\s*([VA])\b/gi)) {
    if (unit.toUpperCase() === "V") reading.voltage = Number(value);
    else reading.current = Number(value);
  }
  return reading;
}

/** The `power` child of `dutlink.DutLink`. */
export class DutLinkPower extends PowerDriver {
  constructor(
    config: DriverConfig,
    context: DriverContext,
    readonly shell: DutLinkShell,
    readonly interval = 1,
  ) {
    super(config, context);
  }

  override async on(): Promise<void> {
    await this.shell.run("power on", /Device powered on/);
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    await this.shell.run("power off", /Device powered off/);
    this.log.info("power off");
  }

  /** Powers the device on in its rescue (recovery) mode, as the board's config defines it. */
  @unary({ description: "Power the device on in rescue mode" })
  async rescue(): Promise<void> {
    await this.shell.run("power rescue", /powered on to rescue/);
    this.log.info("power on (rescue)");
  }

  override async *read(): AsyncGenerator<PowerReading> {
    for (let first = true;; first = false) {
      if (!first) await this.sleep(this.interval);
      yield parseMeter(await this.shell.run("meter read", /\d\s*[VA]\b/i));
    }
  }
}
