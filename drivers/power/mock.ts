/**
 * `power.MockPower`: a power switch with no hardware behind it, for tests and
 * examples. It remembers its state and reports readings that follow it.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { PowerDriver } from "./interface.ts";
import type { PowerReading } from "./reading.ts";

/**
 * A mock power switch (upstream alias `jumpstarter_driver_power.driver.MockPower`).
 *
 * Config: `interval` seconds between readings (default 1), `readings` per
 * `read()` call (default 2, as upstream's mock; 0 streams until the client stops).
 */
export class MockPower extends PowerDriver {
  readonly interval: number;
  readonly readings: number;
  #on = false;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.interval = reader.number("interval", 1, 0);
    this.readings = reader.number("readings", 2, 0);
  }

  /** True while switched on. */
  get powered(): boolean {
    return this.#on;
  }

  override on(): void {
    this.#on = true;
    this.log.info("power on");
  }

  override off(): void {
    this.#on = false;
    this.log.info("power off");
  }

  override reset(): void {
    this.#on = false;
  }

  /** 5 V always; 0.5 A while on, nothing while off. */
  override async *read(): AsyncGenerator<PowerReading> {
    for (let i = 0; this.readings === 0 || i < this.readings; i++) {
      if (i > 0) await this.sleep(this.interval);
      yield { voltage: 5.0, current: this.#on ? 0.5 : 0.0 };
    }
  }
}
