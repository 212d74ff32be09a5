/**
 * `power.HttpPower`: smart plugs and PDUs with an HTTP API. Presets for
 * Tasmota and Shelly (Gen1 and Gen2 RPC), or any REST API described in the
 * config (method, URL, body, headers per operation).
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import {
  DriverTimeoutError,
  FailedPreconditionError,
  NotImplementedError,
  UnavailableError,
} from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { PowerDriver, type PowerReading } from "./interface.ts";

/** One HTTP request of an operation. */
export interface HttpRequestSpec {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
}

/** Where a reading's numbers are in a JSON response (dotted paths, `emeters.0.voltage`). */
export interface ReadingPaths {
  voltage: string;
  current: string;
}

/** The presets and the generic REST mode. */
export type HttpPowerPreset = "tasmota" | "shelly" | "shelly-gen2" | "rest";

const PRESETS: HttpPowerPreset[] = ["tasmota", "shelly", "shelly-gen2", "rest"];

/** A value at a dotted path of parsed JSON (`a.b.0.c`). */
export function valueAt(data: unknown, path: string): unknown {
  let value = data;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

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
  readonly #auth?: { username: string; password: string };
  readonly #tasmotaAuth: string;
  readonly #inflight = new Set<AbortController>();

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const preset = reader.string("preset", config.on !== undefined ? "rest" : "");
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
    if (username !== undefined) this.#auth = { username, password };
    this.#tasmotaAuth = username === undefined
      ? ""
      : `user=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}&`;

    if (this.preset === "rest") {
      this.onRequest = requestSpec(config.on, `${context.path}.config.on`, true)!;
      this.offRequest = requestSpec(config.off, `${context.path}.config.off`, true)!;
      this.readRequest = requestSpec(config.read, `${context.path}.config.read`, false);
      if (this.readRequest) {
        const read = config.read as Record<string, unknown>;
        for (const key of ["voltage", "current"]) {
          if (typeof read[key] !== "string" || read[key] === "") {
            throw new ConfigError(
              `Invalid config ${context.path}.config.read.${key}: expected the dotted path of the ${key} in the JSON answer (e.g. "StatusSNS.ENERGY.Voltage"), got ${
                JSON.stringify(read[key] ?? null)
              }`,
            );
          }
        }
        this.readPaths = { voltage: read.voltage as string, current: read.current as string };
      }
      return;
    }
    const host = reader.required("host");
    const base = /^https?:\/\//.test(host) ? host.replace(/\/$/, "") : `http://${host}`;
    const get = (path: string): HttpRequestSpec => ({
      method: "GET",
      url: `${base}${path}`,
      headers: {},
    });
    if (this.preset === "tasmota") {
      const channel = reader.number("channel", 0, 0);
      const power = channel === 0 ? "Power" : `Power${channel}`;
      this.onRequest = get(`/cm?${this.#tasmotaAuth}cmnd=${power}%20On`);
      this.offRequest = get(`/cm?${this.#tasmotaAuth}cmnd=${power}%20Off`);
      this.readRequest = get(`/cm?${this.#tasmotaAuth}cmnd=Status%208`);
      this.readPaths = {
        voltage: "StatusSNS.ENERGY.Voltage",
        current: "StatusSNS.ENERGY.Current",
      };
    } else if (this.preset === "shelly") {
      const channel = reader.number("channel", 0, 0);
      this.onRequest = get(`/relay/${channel}?turn=on`);
      this.offRequest = get(`/relay/${channel}?turn=off`);
      this.readRequest = get(`/meter/${channel}`);
      this.readPaths = { voltage: "voltage", current: "current" };
    } else {
      const channel = reader.number("channel", 0, 0);
      this.onRequest = get(`/rpc/Switch.Set?id=${channel}&on=true`);
      this.offRequest = get(`/rpc/Switch.Set?id=${channel}&on=false`);
      this.readRequest = get(`/rpc/Switch.GetStatus?id=${channel}`);
      this.readPaths = { voltage: "voltage", current: "current" };
    }
  }

  override async on(): Promise<void> {
    const answer = await this.#request("on", this.onRequest);
    this.#checkState(answer, true);
    this.log.info("power on");
  }

  override async off(): Promise<void> {
    const answer = await this.#request("off", this.offRequest);
    this.#checkState(answer, false);
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
    for (const controller of this.#inflight) controller.abort();
    super.close();
  }

  async *#poll(request: HttpRequestSpec, paths: ReadingPaths): AsyncGenerator<PowerReading> {
    for (let first = true;; first = false) {
      if (!first) await this.sleep(this.interval);
      const answer = await this.#request("read", request);
      const data = parseJson(answer, request);
      const voltage = valueAt(data, paths.voltage);
      const current = valueAt(data, paths.current);
      if (typeof voltage !== "number" || typeof current !== "number") {
        throw new NotImplementedError(
          `The power plug does not report voltage and current (no numbers at "${paths.voltage}" and "${paths.current}" in its answer to ${
            shown(request)
          })`,
        );
      }
      yield { voltage, current };
    }
  }

  /** A Tasmota or Shelly answer that states the relay is in the other state is an error. */
  #checkState(answer: string, on: boolean): void {
    if (this.preset === "rest") return;
    let data: unknown;
    try {
      data = JSON.parse(answer);
    } catch {
      return;
    }
    const state = this.preset === "tasmota"
      ? Object.entries(data as Record<string, unknown>).find(([k]) => /^POWER\d*$/.test(k))?.[1]
      : this.preset === "shelly"
      ? (data as Record<string, unknown>).ison
      : undefined;
    if (state === undefined) return;
    const isOn = state === true || state === "ON";
    if (isOn !== on) {
      throw new FailedPreconditionError(
        `The power plug reports ${isOn ? "on" : "off"} after switching it ${on ? "on" : "off"}`,
      );
    }
  }

  /** Sends one request; resolves to the answer's body, or fails with one line saying why. */
  async #request(action: string, spec: HttpRequestSpec): Promise<string> {
    const controller = new AbortController();
    this.#inflight.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeout * 1000);
    const headers = new Headers(spec.headers);
    if (this.#auth && this.preset !== "tasmota" && !headers.has("authorization")) {
      headers.set(
        "authorization",
        `Basic ${btoa(`${this.#auth.username}:${this.#auth.password}`)}`,
      );
    }
    this.log.debug(`${action}: ${shown(spec)}`);
    try {
      const response = await fetch(spec.url, {
        method: spec.method,
        headers,
        body: spec.body,
        signal: controller.signal,
      });
      const body = await response.text();
      if (!response.ok) {
        const hint = response.status === 401 || response.status === 403
          ? ": check username and password"
          : "";
        throw new DriverError(
          response.status === 401 || response.status === 403 ? "permission_denied" : "unavailable",
          `Power plug answered ${response.status} ${response.statusText} to ${action} (${
            shown(spec)
          })${hint}`,
        );
      }
      return body;
    } catch (error) {
      if (error instanceof DriverError) throw error;
      if (timedOut) {
        throw new DriverTimeoutError(
          `Power plug did not answer ${action} (${shown(spec)}) within ${this.timeout} s`,
        );
      }
      if (controller.signal.aborted) {
        throw new UnavailableError(`Power ${action} was cancelled: the driver is closing`);
      }
      throw new UnavailableError(
        `Cannot reach the power plug for ${action} (${shown(spec)}): ${messageOf(error)}`,
      );
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(controller);
    }
  }
}

/** `METHOD url` with credentials in the query left out. */
function shown(spec: HttpRequestSpec): string {
  const url = spec.url.replace(/user=[^&]*&password=[^&]*&?/, "");
  return `${spec.method} ${url}`;
}

function parseJson(text: string, spec: HttpRequestSpec): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new NotImplementedError(
      `The power plug's answer to ${shown(spec)} is not JSON, so no reading can be taken from it`,
    );
  }
}

/** Reads an `on`/`off`/`read` request from the config (a URL, or `{method, url, body, headers}`). */
function requestSpec(value: unknown, path: string, required: boolean): HttpRequestSpec | undefined {
  if (value === undefined || value === null) {
    if (!required) return undefined;
    throw new ConfigError(
      `Invalid config ${path}: a request is required (a URL, or {method, url, body, headers})`,
    );
  }
  if (typeof value === "string") value = { url: value };
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      `Invalid config ${path}: expected a URL or {method, url, body, headers}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  const spec = value as Record<string, unknown>;
  const fail = (key: string, expected: string): never => {
    throw new ConfigError(
      `Invalid config ${path}.${key}: expected ${expected}, got ${JSON.stringify(spec[key])}`,
    );
  };
  if (typeof spec.url !== "string" || !/^https?:\/\//.test(spec.url)) {
    fail("url", "an http:// or https:// URL");
  }
  const method = spec.method ?? (spec.body === undefined ? "GET" : "POST");
  if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) {
    fail("method", "GET, POST, PUT...");
  }
  let body: string | undefined;
  if (spec.body !== undefined && spec.body !== null) {
    body = typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body);
  }
  const headers: Record<string, string> = {};
  if (spec.headers !== undefined && spec.headers !== null) {
    if (typeof spec.headers !== "object" || Array.isArray(spec.headers)) {
      fail("headers", "a mapping of header names to values");
    }
    for (const [name, header] of Object.entries(spec.headers as Record<string, unknown>)) {
      headers[name] = String(header);
    }
  }
  if (typeof spec.body === "object" && spec.body !== null && !("content-type" in lower(headers))) {
    headers["content-type"] = "application/json";
  }
  return { method: (method as string).toUpperCase(), url: spec.url as string, body, headers };
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
