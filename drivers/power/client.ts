/**
 * The client of power drivers (upstream label
 * `jumpstarter_driver_power.client.PowerClient`) and its CLI commands.
 *
 * @module
 */
import type { Command } from "commander";
import { type CliOutput, DriverClient } from "../../src/client/driver_client.ts";
import { addExamples, parseNumberOption } from "../../src/client/cli_support.ts";
import type { PowerReading } from "./interface.ts";

export type { PowerReading } from "./interface.ts";

/**
 * Switches and measures a device's power.
 *
 * @example
 * ```ts ignore
 * await dut.power.cycle(5);
 * for await (const { voltage, current } of dut.power.read()) console.log(voltage, current);
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

  /** Adds `on`, `off`, `cycle [--wait SECONDS]` and `read [--count N]`. */
  override cli(command: Command, output: CliOutput): void {
    addExamples(
      command.command("on").description("Power the device on").action(() => this.on()),
      "",
    );
    addExamples(
      command.command("off").description("Power the device off").action(() => this.off()),
      "",
    );
    addExamples(
      command
        .command("cycle")
        .description("Power off, wait, power on")
        .option("--wait <seconds>", "seconds to stay off (default: 2)")
        .action((options: { wait?: string }) =>
          this.cycle(
            options.wait === undefined ? undefined : parseNumberOption("--wait", options.wait),
          )
        ),
      "",
      "--wait 5",
    );
    addExamples(
      command
        .command("read")
        .description("Print voltage and current readings, one line each")
        .option("--count <n>", "stop after this many readings (default: until the stream ends)")
        .action(async (options: { count?: string }) => {
          const count = options.count === undefined
            ? Infinity
            : parseNumberOption("--count", options.count, { min: 1, integer: true });
          let seen = 0;
          for await (const reading of this.read()) {
            output.out(formatReading(reading));
            if (++seen >= count) break;
          }
        }),
      "--count 3",
    );
  }
}

/** One reading as `5.00 V  0.50 A`. */
export function formatReading(reading: PowerReading): string {
  return `${reading.voltage.toFixed(2)} V  ${reading.current.toFixed(2)} A`;
}
