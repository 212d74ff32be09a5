/**
 * The power interface every power driver implements (upstream's
 * `PowerInterface`): `on`, `off`, `cycle` and a streaming `read` of
 * voltage/current. Clients pick `PowerClient` from the reported label.
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import { NotImplementedError } from "../../src/driver/errors.ts";
import { streaming, unary } from "../../src/driver/exports.ts";
import { cycleWait } from "./cycle_wait.ts";
import type { PowerReading } from "./reading.ts";

/**
 * Base of the power drivers. Subclasses override `on()`, `off()` and, when
 * they can measure, `read()`; the exported marks live here so every
 * subclass reports the same methods and descriptions.
 */
export abstract class PowerDriver extends Driver {
  static override client = "jumpstarter_driver_power.client.PowerClient";

  readonly #closing = new AbortController();

  /** Powers the device on. */
  @unary({ description: "Power the device on" })
  on(): Promise<void> | void {
    throw new NotImplementedError(`${this.constructor.name} cannot switch power on`);
  }

  /** Powers the device off. */
  @unary({ description: "Power the device off" })
  off(): Promise<void> | void {
    throw new NotImplementedError(`${this.constructor.name} cannot switch power off`);
  }

  /** Powers off, waits `wait` seconds (default 2), powers on. */
  @unary({ description: "Power off, wait (seconds, default 2), power on", params: ["number?"] })
  async cycle(wait?: number | null): Promise<void> {
    const seconds = cycleWait(wait);
    await this.off();
    await this.sleep(seconds);
    await this.on();
  }

  /** Streams voltage/current readings. */
  @streaming({ description: "Stream voltage and current readings" })
  read(): AsyncGenerator<PowerReading> {
    throw new NotImplementedError(`${this.constructor.name} cannot measure voltage or current`);
  }

  /**
   * Waits `seconds`; rejects when the driver closes, so no timer outlives it.
   * Subclasses use it for every delay of their own.
   */
  protected sleep(seconds: number): Promise<void> {
    const signal = this.#closing.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", done);
        resolve();
      }, seconds * 1000);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Cancels pending waits; subclasses that override it call `super.close()`. */
  override close(): Promise<void> | void {
    this.#closing.abort(new DOMException(`${this.context.path} was closed`, "AbortError"));
  }
}
