/**
 * `power.SnmpPower`: one outlet of an SNMP-managed PDU (Raritan, APC and
 * the like), switched by writing an integer to the outlet's OID over SNMP
 * v2c or v3. Upstream's `jumpstarter_driver_snmp.driver.SNMPServer` config
 * loads unchanged.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { unary } from "../../src/driver/exports.ts";
import { PowerDriver } from "./interface.ts";
import { snmpGetInteger, snmpSetInteger, type SnmpTarget, snmpTarget } from "./snmp_session.ts";

/** Raritan PX's outlet switching table (upstream's default). */
export const RARITAN_OUTLET_OID = "1.3.6.1.4.1.13742.6.4.1.2.1.2.1";

/**
 * Switches PDU outlet `plug` through `oid.plug`.
 *
 * Config (upstream's keys):
 * - `host` (required), `port` (default 161), `plug` (required: the outlet number).
 * - `oid`: the outlet table's OID, `plug` appended (default Raritan's
 *   `1.3.6.1.4.1.13742.6.4.1.2.1.2.1`; APC: `1.3.6.1.4.1.318.1.1.4.4.2.1.3`).
 * - SNMPv3: `user`, `auth_protocol` (`NONE`, `MD5`, `SHA`), `auth_key`,
 *   `priv_protocol` (`NONE`, `AES`), `priv_key`.
 * - `timeout`: seconds per try (default 5).
 *
 * Our additions: `community` (SNMPv2c instead of `user`), `retries`
 * (default 1), `on_value`/`off_value` (defaults 1 and 0; APC uses 1 and 2),
 * `verify` (default true: read the outlet back after switching).
 */
export class SnmpPower extends PowerDriver {
  readonly target: SnmpTarget;
  readonly oid: string;
  readonly onValue: number;
  readonly offValue: number;
  readonly verify: boolean;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const reader = new ConfigReader(config, context.path);
    const plug = config.plug;
    if (typeof plug !== "number" || !Number.isInteger(plug) || plug < 0) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.plug: expected the outlet number (an integer >= 0), got ${
          JSON.stringify(plug ?? null)
        }`,
      );
    }
    const base = reader.string("oid", RARITAN_OUTLET_OID).replace(/^\./, "");
    if (!/^\d+(\.\d+)+$/.test(base)) {
      throw new ConfigError(
        `Invalid config ${context.path}.config.oid: expected a numeric OID like ${RARITAN_OUTLET_OID}, got "${base}"`,
      );
    }
    this.oid = `${base}.${plug}`;
    this.onValue = reader.number("on_value", 1);
    this.offValue = reader.number("off_value", 0);
    this.verify = reader.boolean("verify", true);
    this.target = snmpTarget(reader);
  }

  override async on(): Promise<void> {
    await this.#switch(true);
  }

  override async off(): Promise<void> {
    await this.#switch(false);
  }

  /** The outlet's state as the PDU reports it: `on`, `off`, or the raw number. */
  @unary({ description: "Read the outlet's state from the PDU (on, off, or its raw value)" })
  async state(): Promise<string> {
    const value = await snmpGetInteger(this.target, this.oid);
    return value === this.onValue ? "on" : value === this.offValue ? "off" : String(value);
  }

  async #switch(on: boolean): Promise<void> {
    const value = on ? this.onValue : this.offValue;
    this.log.debug(`SET ${this.oid} = ${value} on ${this.target.host}:${this.target.port}`);
    await snmpSetInteger(this.target, this.oid, value);
    if (this.verify) {
      const now = await snmpGetInteger(this.target, this.oid);
      if (now !== value) {
        throw new FailedPreconditionError(
          `PDU ${this.target.host} outlet ${this.oid} reads ${now} after switching it ${
            on ? "on" : "off"
          } (expected ${value}): check on_value/off_value, or set verify: false`,
        );
      }
    }
    this.log.info(`power ${on ? "on" : "off"}`);
  }
}
