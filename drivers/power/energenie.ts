/**
 * `power.EnerGenie`: one socket of an EnerGenie LAN power strip
 * (EG-PMS2-LAN), switched through its web interface: log in with the
 * password, then post `cteN=1|0`. Upstream's
 * `jumpstarter_driver_energenie.driver.EnerGenie` config loads.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { HttpPlug } from "./http_plug.ts";
import type { HttpRequestSpec } from "./http_request.ts";
import { PowerDriver } from "./interface.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** The socket states an EnerGenie page reports (`var sockstates = [1,0,0,0];`). */
export function socketStates(page: string): number[] | undefined {
  const match = /sockstates\s*=\s*\[([\d,\s]+)\]/.exec(page);
  return match ? match[1].split(",").map((v) => Number(v.trim())) : undefined;
}

/**
 * Switches socket `slot` of the strip at `host`.
 *
 * Config (upstream's keys): `host` (required), `password` (default `1`, the
 * factory setting), `slot` (1..4, default 1). Ours: `timeout` (seconds per
 * request, default 10).
 */
export class EnerGenie extends PowerDriver {
  readonly base: string;
  readonly slot: number;
  readonly #password: string;
  readonly #plug: HttpPlug;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const host = reader.required("host");
    this.base = /^https?:\/\//.test(host) ? host.replace(/\/$/, "") : `http://${host}`;
    this.slot = reader.number("slot", 1, 1);
    if (!Number.isInteger(this.slot) || this.slot > 4) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.slot: expected 1..4, got ${
          JSON.stringify(config.slot)
        }`,
      );
    }
    this.#password = String(config.password ?? "1");
    this.#plug = new HttpPlug(reader.number("timeout", 10, 0.001));
  }

  override async on(): Promise<void> {
    await this.#switch(true);
  }

  override async off(): Promise<void> {
    await this.#switch(false);
  }

  override close(): void {
    this.#plug.abortAll();
    super.close();
  }

  async #switch(on: boolean): Promise<void> {
    const login: HttpRequestSpec = {
      method: "POST",
      url: `${this.base}/login.html`,
      body: new URLSearchParams({ pw: this.#password }).toString(),
      headers: FORM,
    };
    const welcome = await this.#plug.request("login", login);
    if (/name="?pw"?/i.test(welcome) && socketStates(welcome) === undefined) {
      throw new DriverError(
        "permission_denied",
        `EnerGenie ${this.base} refused the password (it answered its login page again): check password`,
      );
    }
    const page = await this.#plug.request(on ? "on" : "off", {
      method: "POST",
      url: `${this.base}/`,
      body: `cte${this.slot}=${on ? 1 : 0}`,
      headers: FORM,
    });
    const states = socketStates(page);
    if (states !== undefined && states[this.slot - 1] !== (on ? 1 : 0)) {
      throw new FailedPreconditionError(
        `EnerGenie ${this.base} reports socket ${this.slot} ${
          on ? "off" : "on"
        } after switching it ${on ? "on" : "off"}`,
      );
    }
    this.log.info(`power ${on ? "on" : "off"} (socket ${this.slot})`);
  }
}
