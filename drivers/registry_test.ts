import assert from "node:assert/strict";
import { registry } from "./registry.ts";
import { Qemu } from "./qemu/qemu.ts";
import { PySerial } from "./serial/pyserial.ts";
import { Registry } from "../src/driver/registry.ts";
import { ConfigError } from "../src/driver/config_check.ts";

Deno.test("registry takes upstream class paths for the QEMU board and PySerial", async () => {
  await registry.load([
    { type: "jumpstarter_driver_qemu.driver.Qemu", path: "export.qemu" },
    { type: "jumpstarter_driver_pyserial.driver.PySerial", path: "export.s" },
  ]);
  assert.equal(registry.driver("jumpstarter_driver_qemu.driver.Qemu", "export.qemu"), Qemu);
  assert.equal(registry.driver("qemu.Qemu", "export.qemu"), Qemu);
  assert.equal(
    registry.driver("jumpstarter_driver_pyserial.driver.PySerial", "export.s"),
    PySerial,
  );
});

Deno.test("a lazy entry loads on load(), once, and only the types asked for", async () => {
  let loads = 0;
  class A {}
  const lazy = new Registry([
    { type: "a.A", load: () => (loads++, Promise.resolve(A as never)) },
    { type: "b.B", load: () => Promise.reject(new Error("b must not load")) },
  ], [{ labels: ["a"], load: () => Promise.resolve("client A") }]);
  assert.throws(() => lazy.driver("a.A", "export.a"), /not loaded yet/);
  assert.throws(() => lazy.driver("c.C", "export.c"), ConfigError);
  await assert.rejects(() => lazy.load([{ type: "c.C", path: "export.c" }]), ConfigError);
  await lazy.load([{ type: "a.A", path: "export.a" }, { type: "a.A", path: "export.b" }]);
  await lazy.load([{ type: "a.A", path: "export.a" }]);
  assert.equal(lazy.driver("a.A", "export.a"), A);
  assert.equal(loads, 1);
  assert.equal(lazy.client("a"), undefined);
  await lazy.loadClients(["a", "unknown", undefined]);
  assert.equal(lazy.client("a"), "client A");
});

Deno.test("loading a virtual board's types does not load SNMP, MQTT or QEMU", async () => {
  const fresh = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { registry } from "${new URL("./registry.ts", import.meta.url).href}";
       await registry.load([{ type: "virtual.Power", path: "p" }]);
       registry.driver("virtual.Power", "p");
       for (const type of ["power.SnmpPower", "power.MqttPower", "qemu.Qemu"]) {
         try { registry.driver(type, "x"); console.log("loaded " + type); } catch { /* lazy */ }
       }`,
    ],
  });
  const out = await fresh.output();
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.equal(new TextDecoder().decode(out.stdout), "");
});
