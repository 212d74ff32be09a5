/**
 * The MQTT side of `power.MqttPower`: one broker connection, made on first
 * use and again after it drops, subscribed to the plug's state topic; a
 * command is published and then the plug's fresh report awaited. Errors
 * are one line and never hold the password.
 *
 * @module
 */
// @ts-types="./mqtt_types.d.ts"
import mqtt from "mqtt";
import type { MqttClient } from "./mqtt_types.d.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { redactSecrets } from "../../src/driver/redact.ts";

/** Where the broker is and who we are. */
export interface MqttSettings {
  url: string;
  clientId?: string;
  username?: string;
  password?: string;
  /** Seconds to connect, and to wait for the plug's report. */
  timeout: number;
  cmndTopic: string;
  statTopic: string;
  /** More topics answers come on (Tasmota's `stat/<t>/STATUS8`), subscribed with the state topic. */
  replyTopics?: string[];
}

type Waiter = (topic: string, text: string) => void;

/** A connection to the broker that publishes commands and awaits the plug's state. */
export class MqttLink {
  #client?: MqttClient;
  #connecting?: Promise<MqttClient>;
  #last?: string;
  readonly #waiters = new Set<Waiter>();

  constructor(readonly settings: MqttSettings) {}

  #fail(what: string, error: unknown): DriverError {
    const text = redactSecrets(messageOf(error), [this.settings.password]);
    const denied = /not authori[sz]ed|bad user ?name or password/i.test(text);
    return new DriverError(
      denied ? "permission_denied" : "unavailable",
      `MQTT broker ${this.settings.url}: ${what} failed: ${text}${
        denied ? " (check username and password)" : ""
      }`,
    );
  }

  async #connect(): Promise<MqttClient> {
    if (this.#client?.connected) return this.#client;
    this.#client?.end(true);
    this.#client = undefined;
    const { url, clientId, username, password, timeout } = this.settings;
    const client = mqtt.connect(url, {
      clientId,
      username,
      password,
      connectTimeout: timeout * 1000,
      reconnectPeriod: 0,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no connection within ${timeout} s`)),
          timeout * 1000,
        );
        client.once("connect", () => (clearTimeout(timer), resolve()));
        client.once("error", (error) => (clearTimeout(timer), reject(error)));
        client.once("close", () => (clearTimeout(timer), reject(new Error("connection closed"))));
      });
      client.on("error", () => {}); // later errors close the connection; the next call reconnects
      client.on("message", (topic, payload) => {
        const text = new TextDecoder().decode(payload).trim();
        if (topic === this.settings.statTopic) this.#last = text;
        for (const waiter of this.#waiters) waiter(topic, text);
      });
      for (const topic of [this.settings.statTopic, ...(this.settings.replyTopics ?? [])]) {
        await client.subscribeAsync(topic, { qos: 1 });
      }
    } catch (error) {
      client.end(true);
      throw this.#fail("connecting", error);
    }
    this.#client = client;
    return client;
  }

  /** Connects once (sharing a connection attempt in progress). */
  #connected(): Promise<MqttClient> {
    if (this.#client?.connected) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => this.#connecting = undefined);
    return this.#connecting;
  }

  /** Publishes `payload` on the command topic and waits for the plug to report `expect`. */
  async command(payload: string, expect: string): Promise<void> {
    const { cmndTopic, statTopic, timeout } = this.settings;
    this.#last = undefined;
    await this.ask(
      cmndTopic,
      payload,
      statTopic,
      (text) => text.toUpperCase() === expect,
      () =>
        `The plug did not report ${expect} on ${statTopic} within ${timeout} s after ${payload} on ${cmndTopic}${
          this.#last === undefined ? " (no report at all: check the topics)" : ""
        }`,
    );
  }

  /**
   * Publishes `payload` on `topic` and resolves to the first message on
   * `replyTopic` that `accept` takes; fails after `timeout` with `late()`.
   */
  async ask(
    topic: string,
    payload: string,
    replyTopic: string,
    accept: (text: string) => boolean,
    late: () => string,
  ): Promise<string> {
    const client = await this.#connected();
    let stop = () => {};
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DriverTimeoutError(late())),
        this.settings.timeout * 1000,
      );
      const waiter: Waiter = (from, text) => {
        if (from === replyTopic && accept(text)) resolve(text);
      };
      this.#waiters.add(waiter);
      stop = () => (clearTimeout(timer), this.#waiters.delete(waiter));
    });
    try {
      await client.publishAsync(topic, payload, { qos: 1 }).catch((error) => {
        throw this.#fail(`publishing ${payload} on ${topic}`, error);
      });
      return await answered;
    } finally {
      stop();
    }
  }

  /** Closes the connection; a later command connects again. */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.endAsync(true).catch(() => {});
  }
}
