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

/**
 * One measurement of the supply, as upstream's `PowerReading`.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   parseExporterConfig,
 *   type PowerReading,
 *   serveLocal,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * const config = parseExporterConfig(
 *   "export: { power: { type: power.MockPower, config: { readings: 2, interval: 0.01 } } }",
 *   Deno.cwd(),
 * );
 * await using exporter = await serveLocal(config);
 * await using dut = await connect(exporter.socketPath);
 * await dut.power.on();
 * const readings: PowerReading[] = await Array.fromAsync(dut.power.read());
 * assert.deepEqual(readings, [{ voltage: 5, current: 0.5 }, { voltage: 5, current: 0.5 }]);
 * ```
 */
export interface PowerReading {
  /** Volts. */
  voltage: number;
  /** Amperes. */
  current: number;
}

/** Seconds `cycle()` waits between off and on when no wait is given. */
export const DEFAULT_CYCLE_WAIT = 2;

/** The wait of a `cycle()` call in seconds: the default for none, a RangeError for a bad one. */
export function cycleWait(wait?: number | null): number {
  const seconds = wait ?? DEFAULT_CYCLE_WAIT;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`Cannot power cycle with a wait of ${seconds} s: use a number >= 0`);
  }
  return seconds;
}

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
