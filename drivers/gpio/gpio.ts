/**
 * `gpio.Gpio` and `gpio.DigitalInput`: one GPIO line through libgpiod's
 * tools. An output is switched on and off (and pulsed), held by a running
 * `gpioset`; an input is read and waited on for an edge. Upstream's
 * `jumpstarter_driver_gpiod.driver.DigitalOutput` / `DigitalInput` configs
 * load.
 *
 * @module
 */
import { Driver } from "../../src/driver/driver.ts";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { unary } from "../../src/driver/exports.ts";
import { ToolRunner } from "../../src/driver/tool_runner.ts";
import { GpiodTools } from "./gpiod_tools.ts";
import { LineHolder } from "./line_holder.ts";
import { getArgs, type LineOptions, lineOptions, monArgs, setArgs } from "./line_options.ts";

const EDGES = ["rising", "falling", "both"];

/**
 * One GPIO line.
 *
 * Config (upstream's keys): `device` (default `/dev/gpiochip0`), `line`
 * (required: offset or name), `active_low`, `bias` (`as-is`, `disable`,
 * `pull-up`, `pull-down`), `drive` (`push-pull`, `open-drain`,
 * `open-source`), `initial_value` (`active`/`inactive`: driven when the
 * exporter starts). Ours: `direction` (`output`, or `input` for
 * `gpio.DigitalInput`), `gpioset`/`gpioget`/`gpiomon` (tool paths).
 */
export class Gpio extends Driver {
  static override client = "jumpstarter_driver_gpiod.client.DigitalOutputClient";
  /** The direction when the config names none. */
  static defaultDirection: "output" | "input" = "output";

  readonly options: LineOptions;
  readonly output: boolean;
  readonly initial?: boolean;
  readonly tools: GpiodTools;
  readonly #holder = new LineHolder();
  readonly #runner = new ToolRunner();

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.options = lineOptions(config, context.path);
    const direction = reader.string(
      "direction",
      (this.constructor as typeof Gpio).defaultDirection,
    );
    if (direction !== "output" && direction !== "input") {
      throw new ConfigError(
        `Invalid config ${context.path}.config.direction: expected output or input, got "${direction}"`,
      );
    }
    this.output = direction === "output";
    const initial = config.initial_value;
    if (initial !== undefined && initial !== null) {
      if (!["active", "inactive", true, false].includes(initial as string | boolean)) {
        throw new ConfigError(
          `Invalid config ${context.path}.config.initial_value: expected active or inactive, got ${
            JSON.stringify(initial)
          }`,
        );
      }
      this.initial = initial === "active" || initial === true;
    }
    this.tools = new GpiodTools(config, context.path);
  }

  /** Line `N` of `DEVICE`, for messages. */
  get label(): string {
    return `GPIO line ${this.options.line} of ${this.options.device}`;
  }

  override async open(): Promise<void> {
    if (this.output && this.initial !== undefined) await this.#drive(this.initial);
  }

  /** Drives the line active. */
  @unary({ description: "Drive the line active" })
  async on(): Promise<void> {
    await this.#drive(true);
  }

  /** Drives the line inactive. */
  @unary({ description: "Drive the line inactive" })
  async off(): Promise<void> {
    await this.#drive(false);
  }

  /** Drives the line active for `seconds` (default 0.1), then inactive. */
  @unary({
    description: "Drive the line active for a while (seconds, default 0.1)",
    params: ["number?"],
  })
  async pulse(seconds?: number | null): Promise<void> {
    const wait = seconds ?? 0.1;
    if (typeof wait !== "number" || !(wait >= 0 && wait <= 60)) {
      throw new RangeError(`Cannot pulse for ${JSON.stringify(wait)} s: use 0..60`);
    }
    await this.#drive(true);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    await this.#drive(false);
  }

  /** The line's value: `active` or `inactive`. */
  @unary({ description: "Read the line: active or inactive" })
  async read_pin(): Promise<string> {
    const version = await this.tools.version();
    const { stdout } = await this.#runner.run(
      await this.tools.path("gpioget"),
      getArgs(this.options, version),
      { what: `reading ${this.label}`, timeout: 10 },
    );
    return stdout.trim().endsWith("1") ? "active" : "inactive";
  }

  /** Waits for an edge (`rising`, `falling` or `both`) for up to `timeout` seconds (default 10). */
  @unary({
    description: "Wait for an edge: rising, falling or both",
    params: ["string", "number?"],
  })
  async wait_for_edge(edge: string, timeout?: number | null): Promise<void> {
    if (!EDGES.includes(edge)) {
      throw new RangeError(`Invalid edge ${JSON.stringify(edge)}: use rising, falling or both`);
    }
    const seconds = timeout ?? 10;
    const expired = new AbortController();
    const timer = setTimeout(() => {
      expired.abort(
        new DriverTimeoutError(`No ${edge} edge on ${this.label} within ${seconds} s`),
      );
    }, seconds * 1000);
    try {
      const version = await this.tools.version();
      await this.#runner.run(
        await this.tools.path("gpiomon"),
        monArgs(this.options, version, edge),
        {
          what: `waiting on ${this.label}`,
          timeout: 0,
          signal: expired.signal,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for the line to become active (a rising edge). */
  @unary({ description: "Wait for the line to become active", params: ["number?"] })
  async wait_for_active(timeout?: number | null): Promise<void> {
    await this.wait_for_edge("rising", timeout);
  }

  /** Waits for the line to become inactive (a falling edge). */
  @unary({ description: "Wait for the line to become inactive", params: ["number?"] })
  async wait_for_inactive(timeout?: number | null): Promise<void> {
    await this.wait_for_edge("falling", timeout);
  }

  async #drive(active: boolean): Promise<void> {
    if (!this.output) {
      throw new RangeError(`Cannot drive ${this.label}: it is configured as an input`);
    }
    const version = await this.tools.version();
    const what = `driving ${this.label} ${active ? "active" : "inactive"}`;
    await this.#holder.hold(
      await this.tools.path("gpioset"),
      setArgs(this.options, version, active),
      what,
    );
    this.log.info(`line ${this.options.line} ${active ? "active" : "inactive"}`);
  }

  override async close(): Promise<void> {
    this.#runner.killAll();
    await this.#holder.release();
  }
}

/** `gpio.DigitalInput`: a `Gpio` that is an input unless the config says otherwise. */
export class DigitalInput extends Gpio {
  static override client = "jumpstarter_driver_gpiod.client.DigitalInputClient";
  static override defaultDirection: "output" | "input" = "input";
}
