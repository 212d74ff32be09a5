/**
 * `power.MqttPower`: Tasmota (and compatible) plugs over MQTT, as upstream's
 * `jumpstarter_driver_tasmota.driver.TasmotaPower`: `ON`/`OFF` published on
 * the command topic, the switch confirmed by the plug's report on the state
 * topic. HTTP Tasmota control is `power.HttpPower`'s `tasmota` preset.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { NotImplementedError } from "../../src/driver/errors.ts";
import { PowerDriver } from "./interface.ts";
import { MqttLink } from "./mqtt_link.ts";
import type { PowerReading } from "./reading.ts";
import { tasmotaEnergy } from "./mqtt_energy.ts";

const SCHEMES: Record<string, [string, string]> = {
  tcp: ["mqtt", "mqtts"],
  websockets: ["ws", "wss"],
};

/**
 * Switches a plug through an MQTT broker.
 *
 * Config (upstream's keys): `host` (required), `port` (default 1883), `tls`
 * (default true, as upstream), `transport` (`tcp` or `websockets`),
 * `client_id`, `username`, `password`, `timeout` (seconds, default 5),
 * `cmnd_topic` and `stat_topic` (e.g. `cmnd/plug1/POWER`, `stat/plug1/POWER`).
 * Our addition: `topic`, Tasmota's device topic, standing for both
 * (`cmnd/<topic>/POWER<channel>`, `stat/<topic>/POWER<channel>`), with
 * `channel` (default 0: plain `POWER`), and `interval` (seconds between
 * readings, default 1).
 *
 * `read()` asks the plug's energy monitor (`STATUS 8` on `cmnd/<t>/STATUS`,
 * answered on `stat/<t>/STATUS8`) when the device topic is known: `topic`,
 * or the `<t>` of a `cmnd/<t>/POWER` command topic.
 */
export class MqttPower extends PowerDriver {
  readonly url: string;
  readonly cmndTopic: string;
  readonly statTopic: string;
  /** Tasmota's device topic, when known (for readings). */
  readonly deviceTopic?: string;
  readonly interval: number;
  readonly #link: MqttLink;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const host = reader.required("host");
    const port = reader.number("port", 1883, 1);
    const transport = reader.string("transport", "tcp");
    const schemes = SCHEMES[transport];
    if (!schemes) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.transport: expected tcp or websockets, got ${
          JSON.stringify(transport)
        }`,
      );
    }
    this.url = `${schemes[reader.boolean("tls", true) ? 1 : 0]}://${host}:${port}`;
    const topic = reader.string("topic");
    const channel = reader.number("channel", 0, 0);
    const suffix = channel === 0 ? "POWER" : `POWER${channel}`;
    const cmnd = reader.string("cmnd_topic", topic === undefined ? "" : `cmnd/${topic}/${suffix}`);
    const stat = reader.string("stat_topic", topic === undefined ? "" : `stat/${topic}/${suffix}`);
    if (!cmnd || !stat) {
      throw new ConfigError(
        `Invalid config ${context.path}.config: give cmnd_topic and stat_topic (e.g. cmnd/plug1/POWER, stat/plug1/POWER), or topic (plug1)`,
      );
    }
    this.cmndTopic = cmnd;
    this.statTopic = stat;
    this.deviceTopic = topic ?? /^cmnd\/([^/]+)\/POWER\d*$/.exec(cmnd)?.[1];
    this.interval = reader.number("interval", 1, 0);
    this.#link = new MqttLink({
      url: this.url,
      clientId: reader.string("client_id"),
      username: reader.string("username"),
      password: reader.string("password"),
      timeout: reader.number("timeout", 5, 0.001),
      cmndTopic: cmnd,
      statTopic: stat,
      replyTopics: this.deviceTopic === undefined ? [] : [`stat/${this.deviceTopic}/STATUS8`],
    });
  }

  override async on(): Promise<void> {
    await this.#link.command("ON", "ON");
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    await this.#link.command("OFF", "OFF");
    this.log.info("power off");
  }

  override read(): AsyncGenerator<PowerReading> {
    const device = this.deviceTopic;
    if (device === undefined) {
      throw new NotImplementedError(
        `${this.context.name || "MqttPower"}: readings need Tasmota's device topic (set topic)`,
      );
    }
    return this.#poll(device);
  }

  async *#poll(device: string): AsyncGenerator<PowerReading> {
    for (let first = true;; first = false) {
      if (!first) await this.sleep(this.interval);
      const reply = `stat/${device}/STATUS8`;
      const answer = await this.#link.ask(
        `cmnd/${device}/STATUS`,
        "8",
        reply,
        () => true,
        () => `The plug did not answer STATUS 8 on ${reply}: is it a Tasmota plug?`,
      );
      yield tasmotaEnergy(answer, reply);
    }
  }

  override async close(): Promise<void> {
    await this.#link.close();
    super.close();
  }
}
