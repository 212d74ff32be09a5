/**
 * The client of power drivers (upstream label
 * `jumpstarter_driver_power.client.PowerClient`) and its CLI commands.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { parseNumberOption, stringOption } from "../../src/client/command_values.ts";
import type { PowerReading } from "./reading.ts";

export type { PowerReading } from "./reading.ts";

/**
 * Switches and measures a device's power.
 *
 * @example
 * ```ts
 * import {
 *   connect,
 *   loadExporterConfig,
 *   serveLocal,
 *   type VirtualBoard,
 * } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
 * await using dut = await connect<VirtualBoard>(exporter.socketPath);
 * await dut.power.cycle(0.1); // off, 0.1 s, on
 * for await (const { voltage, current } of dut.power.read()) {
 *   assert.equal(voltage, 5);
 *   console.log(`${voltage} V, ${current} A`);
 *   break; // stops the stream
 * }
 * ```
 */
export class PowerClient extends DriverClient {
  /** Powers the device on. */
  async on(): Promise<void> {
    await this.call("on");
  }

  /** Powers the device off. */
  async off(): Promise<void> {
    await this.call("off");
  }

  /** Powers off, waits `wait` seconds (the driver's default, 2, when omitted), powers on. */
  async cycle(wait?: number): Promise<void> {
    await (wait === undefined ? this.call("cycle") : this.call("cycle", wait));
  }

  /** Voltage/current readings as the driver produces them; stop iterating to end the stream. */
  read(): AsyncIterable<PowerReading> {
    return this.streamingCall<PowerReading>("read");
  }

  /** `on`, `off`, `cycle [--wait SECONDS]` and `read [--count N]`. */
  override commands(): DriverCommand[] {
    return [
      { name: "on", description: "Power the device on", examples: [""], run: () => this.on() },
      { name: "off", description: "Power the device off", examples: [""], run: () => this.off() },
      {
        name: "cycle",
        description: "Power off, wait, power on",
        options: [{ flags: "--wait <seconds>", description: "seconds to stay off (default: 2)" }],
        examples: ["", "--wait 5"],
        run: (input) => {
          const wait = stringOption(input, "wait");
          return this.cycle(wait === undefined ? undefined : parseNumberOption("--wait", wait));
        },
      },
      {
        name: "read",
        description: "Print voltage and current readings, one line each",
        options: [{
          flags: "--count <n>",
          description: "stop after this many readings (default: until the stream ends)",
        }, {
          flags: "--interval <seconds>",
          description:
            "print one reading per interval at most, skipping those in between (default: every one)",
        }],
        examples: ["--count 3", "--interval 1 --count 10"],
        run: async (input) => {
          const text = stringOption(input, "count");
          const count = text === undefined
            ? Infinity
            : parseNumberOption("--count", text, { min: 1, integer: true });
          const every = stringOption(input, "interval");
          const intervalMs = every === undefined
            ? 0
            : parseNumberOption("--interval", every, { min: 0.01 }) * 1000;
          let seen = 0;
          let last = -Infinity;
          for await (const reading of this.read()) {
            if (performance.now() - last < intervalMs) continue;
            last = performance.now();
            input.output.out(formatReading(reading));
            if (++seen >= count) break;
          }
        },
      },
    ];
  }
}

/** One reading as `5.00 V  0.50 A`. */
export function formatReading(reading: PowerReading): string {
  return `${reading.voltage.toFixed(2)} V  ${reading.current.toFixed(2)} A`;
}
