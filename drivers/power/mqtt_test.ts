/**
 * `power.MqttPower` through a real `mosquitto` broker (apt `mosquitto`) with
 * a peer answering as a Tasmota plug. Skipped with a message when
 * mosquitto is missing, except under CI=true, where they fail.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../src/driver/config_check.ts";
import type { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { findProgram } from "../../src/driver/find_program.ts";
import { testContext } from "../virtual/_test_context.ts";
import { startBroker, USER } from "./_mosquitto.ts";
import { MqttPower } from "./mqtt.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await findProgram("mosquitto") === undefined
  ? "mosquitto is not installed"
  : undefined;
if (missing && !CI) console.warn(`Skipping the MQTT tests: ${missing} (apt-get install mosquitto)`);
const real = { ignore: missing !== undefined && !CI };

function plug(port: number, extra: Record<string, unknown> = {}) {
  const context = testContext("power");
  const power = new MqttPower({
    host: "127.0.0.1",
    port,
    tls: false,
    ...USER,
    cmnd_topic: "cmnd/bench-plug/POWER",
    stat_topic: "stat/bench-plug/POWER",
    timeout: 2,
    ...extra,
  }, context);
  return { power, context };
}

Deno.test({
  name: "MqttPower with upstream's keys switches a Tasmota plug through a real mosquitto",
  ...real,
  fn: async () => {
    await using broker = await startBroker("bench-plug");
    const { power, context } = plug(broker.port);
    await power.on();
    assert.equal(broker.relay(), "ON");
    await power.off();
    assert.equal(broker.relay(), "OFF");
    await power.cycle(0);
    assert.equal(broker.relay(), "ON");
    assert.ok(!JSON.stringify(context.records).includes(USER.password), "password in the log");
    await power.close();
  },
});

Deno.test({
  name: "MqttPower topic: plug1 stands for cmnd/plug1/POWER and stat/plug1/POWER",
  ...real,
  fn: async () => {
    await using broker = await startBroker("plug1");
    const { power } = plug(broker.port, {
      cmnd_topic: undefined,
      stat_topic: undefined,
      topic: "plug1",
    });
    assert.equal(power.cmndTopic, "cmnd/plug1/POWER");
    await power.on();
    assert.equal(broker.relay(), "ON");
    await power.close();
  },
});

Deno.test({
  name: "MqttPower read() asks the plug's energy monitor with STATUS 8 over MQTT",
  ...real,
  fn: async () => {
    await using broker = await startBroker("bench-plug");
    const { power } = plug(broker.port, { interval: 0.05 });
    assert.equal(power.deviceTopic, "bench-plug"); // from cmnd/bench-plug/POWER
    await power.on();
    const readings = [];
    for await (const reading of power.read()) {
      readings.push(reading);
      if (readings.length === 2) break;
    }
    assert.deepEqual(readings, [{ voltage: 229.8, current: 0.42 }, {
      voltage: 229.8,
      current: 0.42,
    }]);
    await power.close();
    const custom = plug(broker.port, { cmnd_topic: "plugs/1/set", stat_topic: "plugs/1/state" });
    assert.throws(() => custom.power.read(), /readings need Tasmota's device topic \(set topic\)/);
    await custom.power.close();
  },
});

Deno.test({
  name: "MqttPower fails in one line when the plug does not report the new state",
  ...real,
  fn: async () => {
    await using broker = await startBroker("bench-plug");
    broker.answering = false;
    const { power } = plug(broker.port, { timeout: 0.3 });
    await assert.rejects(power.on(), (e: Error) => {
      assert.ok(e instanceof DriverTimeoutError);
      assert.match(
        e.message,
        /did not report ON on stat\/bench-plug\/POWER within 0.3 s .*check the topics/,
      );
      return true;
    });
    await power.close();
  },
});

Deno.test({
  name: "MqttPower with a wrong password fails naming the broker, never the password",
  ...real,
  fn: async () => {
    await using broker = await startBroker("bench-plug");
    const { power } = plug(broker.port, { password: "wrong-secret-7" });
    await assert.rejects(power.on(), (e: DriverError) => {
      assert.equal(e.code, "permission_denied");
      assert.match(
        e.message,
        /^MQTT broker mqtt:\/\/127.0.0.1:\d+: connecting failed: .*check username and password/,
      );
      assert.ok(!e.message.includes("wrong-secret-7"));
      return true;
    });
    await power.close();
  },
});

Deno.test("MqttPower with no broker listening fails in one line", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const { power } = plug(port, { timeout: 1 });
  await assert.rejects(power.on(), (e: DriverError) => {
    assert.equal(e.code, "unavailable");
    assert.match(e.message, /^MQTT broker mqtt:\/\/127.0.0.1:\d+: connecting failed: \S/);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
  await power.close();
});

Deno.test("MqttPower checks its config before connecting", () => {
  const make = (config: Record<string, unknown>) => new MqttPower(config, testContext("power"));
  assert.throws(
    () => make({ topic: "p" }),
    /config.host: expected a string \(this key is required\)/,
  );
  assert.throws(
    () => make({ host: "h" }),
    (e: Error) => e instanceof ConfigError && /give cmnd_topic and stat_topic/.test(e.message),
  );
  assert.throws(
    () => make({ host: "h", topic: "p", transport: "unix" }),
    /transport: expected tcp or websockets/,
  );
  assert.equal(make({ host: "h", topic: "p" }).url, "mqtts://h:1883");
  assert.equal(make({ host: "h", topic: "p", channel: 2 }).statTopic, "stat/p/POWER2");
});
