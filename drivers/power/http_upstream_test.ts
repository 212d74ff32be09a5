/**
 * power.HttpPower with upstream's `jumpstarter_driver_http_power` schema,
 * loaded through upstream's class path, against a local HTTP server
 * standing in for a PDU.
 */
import assert from "node:assert/strict";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { PowerClient } from "./client.ts";
import { HttpPower } from "./http.ts";

const AUTH = "Basic " + btoa("lab:pdu-secret-4");

function pdu(reading: unknown) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    const url = new URL(r.url);
    seen.push(`${r.method} ${url.pathname} ${await r.text()}`.trim());
    if (r.headers.get("authorization") !== AUTH) return new Response("no", { status: 401 });
    return url.pathname === "/read" ? Response.json(reading) : new Response("ok");
  });
  return {
    seen,
    base: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function upstreamConfig(base: string, extra: Record<string, unknown> = {}) {
  return {
    name: "bench-pdu",
    power_on: { url: `${base}/outlet/3`, method: "POST", data: "state=on" },
    power_off: { url: `${base}/outlet/3/off`, data: "ignored: GET sends no data" },
    power_read: { url: `${base}/read`, voltage_path: "emeter.voltage" },
    auth: { basic: { user: "lab", password: "pdu-secret-4" } },
    ...extra,
  };
}

Deno.test("HttpPower loads upstream's HttpPower config under its class path and switches", async () => {
  await using server = pdu({ emeter: { voltage: "229.5" }, current: 0.25 });
  const config = exporterConfigFrom({
    export: {
      power: {
        type: "jumpstarter_driver_http_power.driver.HttpPower",
        config: upstreamConfig(server.base),
      },
    },
  }, Deno.cwd());
  await using dut = await localDevice(config);
  const power = dut.child<PowerClient>("power");
  await power.on();
  await power.off();
  assert.deepEqual(server.seen, ["POST /outlet/3 state=on", "GET /outlet/3/off"]);
  for await (const reading of power.read()) {
    // voltage from the configured path (a numeric string), current from the default key
    assert.deepEqual(reading, { voltage: 229.5, current: 0.25 });
    break;
  }
});

Deno.test("HttpPower upstream read: a missing default key is 0, a missing configured path fails", async () => {
  await using server = pdu({ voltage: 12 });
  const power = new HttpPower(
    upstreamConfig(server.base, {
      power_read: { url: `${server.base}/read` },
    }),
    testContext("power"),
  );
  const first = await power.read().next();
  assert.deepEqual(first.value, { voltage: 12, current: 0 });
  const strict = new HttpPower(upstreamConfig(server.base), testContext("power"));
  await assert.rejects(strict.read().next(), /has no "emeter.voltage" \(power_read.voltage_path\)/);
  await power.close();
  await strict.close();
});

Deno.test("HttpPower upstream schema: a refused password fails without showing it", async () => {
  await using server = pdu({});
  const power = new HttpPower(
    upstreamConfig(server.base, { auth: { basic: { user: "lab", password: "wrong-pass-5" } } }),
    testContext("power"),
  );
  await assert.rejects(power.on(), (e: DriverError) => {
    assert.ok(e instanceof DriverError && e.code === "permission_denied");
    assert.match(e.message, /answered 401 .* to on \(POST http:\/\/127.0.0.1:\d+\/outlet\/3\)/);
    assert.ok(!e.message.includes("wrong-pass-5"));
    return true;
  });
});

Deno.test("HttpPower upstream schema checks its endpoints before any request", () => {
  const make = (config: Record<string, unknown>) => new HttpPower(config, testContext("power"));
  assert.throws(
    () => make({ power_on: { url: "http://pdu/on" } }),
    /config.power_off: a request is required/,
  );
  assert.throws(
    () => make({ power_on: { url: "pdu/on" }, power_off: { url: "http://pdu/off" } }),
    /config.power_on.url: expected an http:\/\/ or https:\/\/ URL/,
  );
  assert.throws(
    () => make({ power_on: "http://pdu/on", power_off: { url: "http://pdu/off" } }),
    /config.power_on: expected a mapping/,
  );
});
