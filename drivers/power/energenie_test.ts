/**
 * `power.EnerGenie` against a local HTTP server playing an EG-PMS2-LAN's
 * web interface: a login form taking `pw`, and a status page with
 * `sockstates` that `cteN=1|0` posts switch.
 */
import assert from "node:assert/strict";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import type { DriverError } from "../../src/driver/driver_error.ts";
import { localDevice } from "../../testing.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { PowerClient } from "./client.ts";
import { EnerGenie } from "./energenie.ts";

function strip(password: string) {
  const sockets = [0, 0, 0, 0];
  let loggedIn = false;
  const seen: string[] = [];
  const page = () => `<html><script>var sockstates = [${sockets.join(",")}];</script></html>`;
  const login = '<form method="post" action="login.html"><input type="password" name="pw"></form>';
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    const body = new URLSearchParams(await r.text());
    const path = new URL(r.url).pathname;
    seen.push(`${r.method} ${path}`);
    if (path === "/login.html") {
      loggedIn = body.get("pw") === password;
      return new Response(loggedIn ? page() : login);
    }
    if (!loggedIn) return new Response(login);
    for (const [key, value] of body) {
      const slot = /^cte([1-4])$/.exec(key);
      if (slot) sockets[Number(slot[1]) - 1] = Number(value);
    }
    return new Response(page());
  });
  return {
    sockets,
    seen,
    host: `127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("EnerGenie with upstream's config logs in and switches its socket", async () => {
  await using device = strip("lab-pw-3");
  {
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        power: {
          type: "jumpstarter_driver_energenie.driver.EnerGenie",
          config: { host: device.host, password: "lab-pw-3", slot: 3 },
        },
      },
    }, Deno.cwd()));
    const power = dut.child<PowerClient>("power");
    await power.on();
    assert.deepEqual(device.sockets, [0, 0, 1, 0]);
    await power.off();
    assert.deepEqual(device.sockets, [0, 0, 0, 0]);
  }
  assert.deepEqual(device.seen, ["POST /login.html", "POST /", "POST /login.html", "POST /"]);
});

Deno.test("EnerGenie with a wrong password fails in one line without it", async () => {
  await using device = strip("lab-pw-3");
  const power = new EnerGenie({ host: device.host, password: "wrong-pw-8" }, testContext("power"));
  await assert.rejects(power.on(), (e: DriverError) => {
    assert.equal(e.code, "permission_denied");
    assert.match(e.message, /^EnerGenie http:\/\/127.0.0.1:\d+ refused the password/);
    assert.ok(!e.message.includes("wrong-pw-8"));
    return true;
  });
  assert.deepEqual(device.sockets, [0, 0, 0, 0]);
  assert.throws(
    () => new EnerGenie({ host: "x", slot: 5 }, testContext()),
    /config.slot: expected 1..4, got 5/,
  );
  assert.throws(() => new EnerGenie({}, testContext()), /config.host: expected a string/);
});
