/**
 * What `HttpPower` sends for each preset: the Tasmota and Shelly (Gen1 and
 * Gen2 RPC) requests built from a host and a channel, and how a preset's
 * answer tells the relay's state. The generic REST mode is in `http_rest.ts`.
 *
 * @module
 */
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import type { ReadingPaths } from "./http_reading.ts";
import type { HttpRequestSpec } from "./http_request.ts";

/** The presets and the generic REST mode. */
export type HttpPowerPreset = "tasmota" | "shelly" | "shelly-gen2" | "rest";

/** Every `HttpPowerPreset`. */
export const PRESETS: readonly HttpPowerPreset[] = ["tasmota", "shelly", "shelly-gen2", "rest"];

/** The requests of the operations, and where a reading's numbers are in the `read` answer. */
export interface HttpPowerRequests {
  on: HttpRequestSpec;
  off: HttpRequestSpec;
  read?: HttpRequestSpec;
  readPaths?: ReadingPaths;
}

/**
 * The requests of a preset for the plug at `host` (an address, or a base
 * URL), switching `channel`; Tasmota takes the credentials in its query.
 */
export function presetRequests(
  preset: Exclude<HttpPowerPreset, "rest">,
  host: string,
  channel: number,
  auth?: { username: string; password: string },
): HttpPowerRequests {
  const base = /^https?:\/\//.test(host) ? host.replace(/\/$/, "") : `http://${host}`;
  const get = (path: string): HttpRequestSpec => ({
    method: "GET",
    url: `${base}${path}`,
    headers: {},
  });
  if (preset === "tasmota") {
    const query = auth === undefined
      ? ""
      : `user=${encodeURIComponent(auth.username)}&password=${encodeURIComponent(auth.password)}&`;
    const power = channel === 0 ? "Power" : `Power${channel}`;
    return {
      on: get(`/cm?${query}cmnd=${power}%20On`),
      off: get(`/cm?${query}cmnd=${power}%20Off`),
      read: get(`/cm?${query}cmnd=Status%208`),
      readPaths: { voltage: "StatusSNS.ENERGY.Voltage", current: "StatusSNS.ENERGY.Current" },
    };
  }
  if (preset === "shelly") {
    return {
      on: get(`/relay/${channel}?turn=on`),
      off: get(`/relay/${channel}?turn=off`),
      read: get(`/meter/${channel}`),
      readPaths: { voltage: "voltage", current: "current" },
    };
  }
  return {
    on: get(`/rpc/Switch.Set?id=${channel}&on=true`),
    off: get(`/rpc/Switch.Set?id=${channel}&on=false`),
    read: get(`/rpc/Switch.GetStatus?id=${channel}`),
    readPaths: { voltage: "voltage", current: "current" },
  };
}

/** A Tasmota or Shelly answer that states the relay is in the other state is an error. */
export function checkReportedState(preset: HttpPowerPreset, answer: string, on: boolean): void {
  if (preset === "rest") return;
  let data: unknown;
  try {
    data = JSON.parse(answer);
  } catch {
    return;
  }
  const state = preset === "tasmota"
    ? Object.entries(data as Record<string, unknown>).find(([k]) => /^POWER\d*$/.test(k))?.[1]
    : preset === "shelly"
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
