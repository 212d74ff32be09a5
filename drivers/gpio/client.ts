/**
 * The client of GPIO lines (upstream labels
 * `jumpstarter_driver_gpiod.client.DigitalOutputClient` and
 * `...DigitalInputClient`) and its CLI commands.
 *
 * @module
 */
import { DriverClient } from "../../src/client/driver_client.ts";
import type { DriverCommand } from "../../src/client/commands.ts";
import { parseNumberOption, stringArg, stringOption } from "../../src/client/command_values.ts";

/** Drives, reads and waits on one GPIO line. */
export class GpioClient extends DriverClient {
  /** Drives the line active. */
  async on(): Promise<void> {
    await this.call("on");
  }

  /** Drives the line inactive. */
  async off(): Promise<void> {
    await this.call("off");
  }

  /** Drives the line active for `seconds` (the driver's default 0.1 when omitted). */
  async pulse(seconds?: number): Promise<void> {
    await (seconds === undefined ? this.call("pulse") : this.call("pulse", seconds));
  }

  /** The line's value: `active` or `inactive`. */
  readPin(): Promise<string> {
    return this.call<string>("read_pin");
  }

  /** Waits for an edge (`rising`, `falling`, `both`) for up to `timeout` seconds. */
  async waitForEdge(edge: "rising" | "falling" | "both", timeout?: number): Promise<void> {
    await this.call("wait_for_edge", edge, timeout ?? null);
  }

  /** `on`, `off`, `pulse [--seconds S]`, `read`, `wait EDGE [--timeout S]`. */
  override commands(): DriverCommand[] {
    return [
      { name: "on", description: "Drive the line active", examples: [""], run: () => this.on() },
      {
        name: "off",
        description: "Drive the line inactive",
        examples: [""],
        run: () => this.off(),
      },
      {
        name: "pulse",
        description: "Drive the line active for a while, then inactive",
        options: [{ flags: "--seconds <s>", description: "how long (default: 0.1)" }],
        examples: ["", "--seconds 0.5"],
        run: (input) => {
          const text = stringOption(input, "seconds");
          return this.pulse(text === undefined ? undefined : parseNumberOption("--seconds", text));
        },
      },
      {
        name: "read",
        description: "Print the line's value: active or inactive",
        examples: [""],
        run: async ({ output }) => output.out(await this.readPin()),
      },
      {
        name: "wait",
        description: "Wait for an edge on the line",
        arguments: [{ name: "<edge>", description: "rising, falling or both" }],
        options: [{ flags: "--timeout <s>", description: "give up after this long (default: 10)" }],
        examples: ["rising", "falling --timeout 30"],
        run: (input) => {
          const edge = stringArg(input, "edge")!;
          if (!["rising", "falling", "both"].includes(edge)) {
            throw new RangeError(`Invalid edge "${edge}": use rising, falling or both`);
          }
          const text = stringOption(input, "timeout");
          return this.waitForEdge(
            edge as "rising",
            text === undefined ? undefined : parseNumberOption("--timeout", text, { min: 0 }),
          );
        },
      },
    ];
  }
}
