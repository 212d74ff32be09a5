/**
 * `power.SerialRelay`: a USB relay board on a serial port (NOYITO, LCUS and
 * other CH340 boards speaking `A0 ch st sum`), one channel or all as a power
 * switch. Upstream's `jumpstarter_driver_noyito_relay.driver.NoyitoPowerSerial`
 * config loads unchanged.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { unary } from "../../src/driver/exports.ts";
import { PowerDriver } from "../power/interface.ts";
import { SerialExchange } from "../serial/exchange.ts";
import { parseRelayStatus, relayCommand, STATUS_QUERY } from "./noyito.ts";

/**
 * Switches relay channels with command bytes.
 *
 * Config (upstream's keys): `port` (required: the tty, best a
 * `/dev/serial/by-id/...` path), `channel` (default 1), `all_channels`
 * (default false: switch every channel together). Our additions:
 * `channels` (how many the board has, default 2), `baudrate` (default 9600),
 * `timeout` (seconds to wait for a status answer, default 2), `verify`
 * (default false: ask the board for its status after switching; only
 * boards that answer `FF` support it).
 */
export class SerialRelay extends PowerDriver {
  static override client = "jumpstarter_driver_power.client.PowerClient";

  readonly port: string;
  readonly channels: number[];
  readonly verify: boolean;
  readonly #device: SerialExchange;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.port = reader.required("port");
    const count = reader.number("channels", 2, 1);
    const channel = reader.number("channel", 1, 1);
    if (!Number.isInteger(count) || count > 255 || !Number.isInteger(channel) || channel > count) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.channel: expected 1..${count} (the board's channels), got ${channel}`,
      );
    }
    this.channels = reader.boolean("all_channels", false)
      ? Array.from({ length: count }, (_, i) => i + 1)
      : [channel];
    this.verify = reader.boolean("verify", false);
    const baudrate = reader.number("baudrate", 9600, 50);
    this.#device = new SerialExchange(
      this.port,
      baudrate,
      reader.number("timeout", 2, 0.01),
      this.log,
    );
  }

  override async on(): Promise<void> {
    await this.#switch(true);
  }

  override async off(): Promise<void> {
    await this.#switch(false);
  }

  override async close(): Promise<void> {
    await this.#device.close();
    super.close();
  }

  /** The channel's state as the board reports it: `on`, `off` or `partial` (all_channels). */
  @unary({ description: "Ask the board for the relay state: on, off or partial" })
  async status(): Promise<string> {
    const states = await this.#device.run(async (port) => {
      await port.write(STATUS_QUERY);
      const last = this.channels.at(-1)!;
      return parseRelayStatus(
        await port.readUntil(
          new RegExp(`CH${last}\\s*:\\s*\\w+`, "i"),
          `a status line for CH${last}`,
        ),
      );
    });
    const mine = new Set(this.channels.map((channel) => {
      const state = states.get(channel);
      if (state === undefined) {
        throw new FailedPreconditionError(
          `Relay board ${this.port} did not report CH${channel} in its status`,
        );
      }
      return state;
    }));
    return mine.size === 1 ? [...mine][0] : "partial";
  }

  async #switch(on: boolean): Promise<void> {
    await this.#device.run(async (port) => {
      for (const channel of this.channels) await port.write(relayCommand(channel, on));
    });
    const wanted = on ? "on" : "off";
    if (this.verify) {
      const now = await this.status();
      if (now !== wanted) {
        throw new FailedPreconditionError(
          `Relay board ${this.port} reports ${now} after switching ${wanted}`,
        );
      }
    }
    this.log.info(`power ${wanted} (channel ${this.channels.join(", ")})`);
  }
}
