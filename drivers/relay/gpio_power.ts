/**
 * `power.GpioPower`: a power switch (a relay, a load switch) on a GPIO
 * line, as upstream's `jumpstarter_driver_gpiod.driver.PowerSwitch`: on and
 * off drive the line, held by `gpioset`. It lives here (layer 4) because it
 * is made of the power and GPIO families.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { Gpio } from "../gpio/gpio.ts";
import { PowerDriver } from "../power/interface.ts";

/** Power through one GPIO output line; config as `gpio.Gpio`'s. */
export class GpioPower extends PowerDriver {
  readonly line: Gpio;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    this.line = new Gpio({ ...config, direction: "output" }, context);
  }

  override async open(): Promise<void> {
    await this.line.open();
  }

  override async on(): Promise<void> {
    await this.line.on();
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    await this.line.off();
    this.log.info("power off");
  }

  override async close(): Promise<void> {
    await this.line.close();
    super.close();
  }
}
