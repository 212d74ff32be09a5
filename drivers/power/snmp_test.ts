/**
 * `power.SnmpPower` against a real `snmpd` (apt `snmpd`) with a writable
 * outlet table: v2c and v3 (SHA + AES). Skipped with a message when snmpd
 * is missing, except under CI=true, where they fail.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../src/driver/config_check.ts";
import type { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { findProgram } from "../../src/driver/find_program.ts";
import { testContext } from "../virtual/_test_context.ts";
import { COMMUNITY, startSnmpd, udpSocket, V3 } from "./_snmpd.ts";
import { RARITAN_OUTLET_OID, SnmpPower } from "./snmp.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await findProgram("snmpd") === undefined ? "snmpd is not installed" : undefined;
if (missing && !CI) console.warn(`Skipping the snmpd tests: ${missing} (apt-get install snmpd)`);
const real = { ignore: missing !== undefined && !CI };

Deno.test({
  name: "SnmpPower on()/off() switch a real snmpd's outlet over v2c and read it back",
  ...real,
  fn: async () => {
    await using agent = await startSnmpd(RARITAN_OUTLET_OID);
    const context = testContext("power");
    const power = new SnmpPower(
      { host: "127.0.0.1", port: agent.port, plug: 3, community: COMMUNITY, timeout: 2 },
      context,
    );
    await power.on();
    assert.equal(await agent.outlet(3), "1");
    assert.equal(await power.state(), "on");
    await power.off();
    assert.equal(await agent.outlet(3), "0");
    assert.equal(await power.state(), "off");
    assert.ok(!JSON.stringify(context.records).includes(COMMUNITY), "community in the log");
    await power.close();
  },
});

Deno.test({
  name: "SnmpPower with upstream's v3 keys (SHA auth, AES privacy) switches a real snmpd",
  ...real,
  fn: async () => {
    const oid = "1.3.6.1.4.1.318.1.1.4.4.2.1.3"; // APC: 1 on, 2 off
    await using agent = await startSnmpd(oid);
    const context = testContext("power");
    const power = new SnmpPower({
      host: "127.0.0.1",
      port: agent.port,
      plug: 8,
      oid,
      user: V3.user,
      auth_protocol: "SHA",
      auth_key: V3.auth_key,
      priv_protocol: "AES",
      priv_key: V3.priv_key,
      off_value: 2,
      timeout: 2,
    }, context);
    await power.on();
    assert.equal(await agent.outlet(8), "1");
    await power.cycle(0);
    assert.equal(await agent.outlet(8), "1");
    await power.off();
    assert.equal(await agent.outlet(8), "2");
    const log = JSON.stringify(context.records);
    assert.ok(!log.includes(V3.auth_key) && !log.includes(V3.priv_key), "a key in the log");
    await power.close();
  },
});

Deno.test({
  name: "SnmpPower with a wrong v3 key fails in one line without the key",
  ...real,
  fn: async () => {
    await using agent = await startSnmpd(RARITAN_OUTLET_OID);
    const power = new SnmpPower({
      host: "127.0.0.1",
      port: agent.port,
      plug: 1,
      user: V3.user,
      auth_protocol: "SHA",
      auth_key: "not-the-key",
      priv_protocol: "AES",
      priv_key: V3.priv_key,
      timeout: 1,
      retries: 0,
    }, testContext("power"));
    await assert.rejects(power.on(), (error: DriverError) => {
      assert.equal(error.code, "permission_denied");
      assert.match(error.message, /^SNMP SET .* was refused: .*check the user, auth_key/);
      assert.ok(!error.message.includes("not-the-key") && !error.message.includes("\n"));
      return true;
    });
    assert.equal(await agent.outlet(1), undefined);
  },
});

Deno.test({
  name: "SnmpPower with a read-only community is refused, naming the community's access",
  ...real,
  fn: async () => {
    await using agent = await startSnmpd(RARITAN_OUTLET_OID);
    const power = new SnmpPower(
      { host: "127.0.0.1", port: agent.port, plug: 2, community: "lab-public", timeout: 1 },
      testContext("power"),
    );
    await assert.rejects(power.on(), /refused: .*community's write access/);
  },
});

Deno.test("SnmpPower with no agent answering times out in one line", async () => {
  const socket = await udpSocket();
  try {
    const power = new SnmpPower({
      host: "127.0.0.1",
      port: socket.port,
      plug: 1,
      community: COMMUNITY,
      timeout: 0.2,
      retries: 0,
    }, testContext("power"));
    await assert.rejects(
      power.off(),
      (e: Error) => e instanceof DriverTimeoutError && /got no answer within 0.2 s/.test(e.message),
    );
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

Deno.test("SnmpPower checks its config before sending anything", () => {
  const make = (config: Record<string, unknown>) => new SnmpPower(config, testContext("power"));
  const base = { host: "pdu.lab", plug: 1 };
  assert.throws(() => make({ host: "pdu.lab" }), /config.plug: expected the outlet number/);
  assert.throws(() => make(base), /give either "user" \(SNMPv3\) or "community"/);
  assert.throws(
    () => make({ ...base, user: "u", auth_protocol: "SHA" }),
    /auth_key: required with auth_protocol SHA/,
  );
  assert.throws(
    () =>
      make({
        ...base,
        user: "u",
        auth_protocol: "SHA",
        auth_key: "k".repeat(8),
        priv_protocol: "DES",
        priv_key: "p".repeat(8),
      }),
    /priv_protocol: expected one of NONE, AES, got "DES" \(DES is not available/,
  );
  assert.throws(
    () => make({ ...base, user: "u", auth_protocol: "MD5", auth_key: "short" }),
    (e: Error) =>
      e instanceof ConfigError && /at least 8/.test(e.message) && !e.message.includes("short"),
  );
  assert.throws(() => make({ ...base, community: "c", oid: "enterprises.1" }), /numeric OID/);
});
