/**
 * `power.HttpPower`: smart plugs and PDUs with an HTTP API. Presets for
 * Tasmota and Shelly (Gen1 and Gen2 RPC), or any REST API described in the
 * config (method, URL, body, headers per operation).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { NotImplementedError } from "../../src/driver/errors.ts";
import { HttpPlug } from "./http_plug.ts";
import {
  checkReportedState,
  type HttpPowerPreset,
  presetRequests,
  PRESETS,
} from "./http_presets.ts";
import { readingFrom, type ReadingPaths } from "./http_reading.ts";
import { type HttpRequestSpec, shownRequest } from "./http_request.ts";
import { restRequests } from "./http_rest.ts";
import { isUpstreamSchema, upstreamReading, upstreamRequests } from "./http_upstream.ts";
import { PowerDriver } from "./interface.ts";
import type { PowerReading } from "./reading.ts";

/**
 * Power through an HTTP smart plug.
 *
 * Config:
 * - `preset`: `tasmota`, `shelly` (Gen1), `shelly-gen2` (RPC API) or `rest`
 *   (the default when `on`/`off` requests are given).
 * - `host`: the plug's address (`192.168.1.50`, `plug.lab:8080`, or a base URL
 *   `https://plug.lab`) for the presets.
 * - `channel`: the relay/outlet (default 0 for Shelly; 1 for Tasmota's `Power1`,
 *   0 meaning plain `Power`).
 * - `username`, `password`: basic auth (Tasmota: its `user`/`password` parameters).
 * - `timeout`: seconds per request (default 5); `interval`: seconds between readings (default 1).
 * - REST mode: `on`, `off` (required) and `read`, each a URL (GET) or
 *   `{method, url, body, headers}`; `read` also names where the numbers are in
 *   its JSON answer: `{url, voltage: "path.to.voltage", current: "path.to.current"}`.
 *
 * - Upstream's schema (`jumpstarter_driver_http_power.driver.HttpPower`):
 *   `power_on`, `power_off`, `power_read` as `{url, method, data}` (the read
 *   with `voltage_path`, `current_path`) and `auth: {basic: {user, password}}`.
 *
 * `read()` streams `{voltage, current}` when the plug reports both (Tasmota
 * energy monitoring, Shelly Gen2 switches, a Shelly Gen1 meter that has them);
 * otherwise it fails with NotImplementedError.
 */
export class HttpPower extends PowerDriver {
  readonly preset: HttpPowerPreset;
  readonly timeout: number;
  readonly interval: number;
  readonly onRequest: HttpRequestSpec;
  readonly offRequest: HttpRequestSpec;
  readonly readRequest?: HttpRequestSpec;
  readonly readPaths?: ReadingPaths;
  /** Whether the config uses upstream's schema (upstream's reading rules then apply). */
  readonly upstream: boolean;
  readonly #plug: HttpPlug;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    this.upstream = isUpstreamSchema(config);
    const rest = config.on !== undefined || this.upstream;
    const preset = reader.string("preset", rest ? "rest" : "");
    if (!PRESETS.includes(preset as HttpPowerPreset)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.preset: expected one of ${
          PRESETS.join(", ")
        } (or on/off requests), got ${JSON.stringify(config.preset ?? null)}`,
      );
    }
    this.preset = preset as HttpPowerPreset;
    this.timeout = reader.number("timeout", 5, 0.001);
    this.interval = reader.number("interval", 1, 0);
    const username = reader.string("username");
    const password = reader.string("password", "");
    const upstream = this.upstream ? upstreamRequests(config, `${context.path}.config`) : undefined;
    const auth = username === undefined ? upstream?.auth : { username, password };
    // Tasmota takes the credentials in its query instead of a header.
    this.#plug = new HttpPlug(this.timeout, this.preset === "tasmota" ? undefined : auth);
    const requests = upstream ??
      (this.preset === "rest" ? restRequests(config, `${context.path}.config`) : presetRequests(
        this.preset,
        reader.required("host"),
        reader.number("channel", 0, 0),
        auth,
      ));
    this.onRequest = requests.on;
    this.offRequest = requests.off;
    this.readRequest = requests.read;
    this.readPaths = requests.readPaths;
  }

  override async on(): Promise<void> {
    const answer = await this.#request("on", this.onRequest);
    checkReportedState(this.preset, answer, true);
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    const answer = await this.#request("off", this.offRequest);
    checkReportedState(this.preset, answer, false);
    this.log.info("power off");
  }

  override read(): AsyncGenerator<PowerReading> {
    const request = this.readRequest;
    const paths = this.readPaths;
    if (!request || !paths) {
      throw new NotImplementedError(
        `${
          this.context.name || "HttpPower"
        } has no read request configured, so it cannot measure voltage or current`,
      );
    }
    return this.#poll(request, paths);
  }

  override close(): void {
    this.#plug.abortAll();
    super.close();
  }

  async *#poll(request: HttpRequestSpec, paths: ReadingPaths): AsyncGenerator<PowerReading> {
    for (let first = true;; first = false) {
      if (!first) await this.sleep(this.interval);
      const answer = await this.#request("read", request);
      yield this.upstream
        ? upstreamReading(answer, request, paths)
        : readingFrom(answer, request, paths);
    }
  }

  /** Sends one request; resolves to the answer's body, or fails with one line saying why. */
  #request(action: string, spec: HttpRequestSpec): Promise<string> {
    this.log.debug(`${action}: ${shownRequest(spec)}`);
    return this.#plug.request(action, spec);
  }
}
