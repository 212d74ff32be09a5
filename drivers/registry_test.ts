import assert from "node:assert/strict";
import { registry } from "./registry.ts";
import { Qemu } from "./qemu/qemu.ts";
import { PySerial } from "./serial/pyserial.ts";

Deno.test("registry takes upstream class paths for the QEMU board and PySerial", () => {
  assert.equal(registry.driver("jumpstarter_driver_qemu.driver.Qemu", "export.qemu"), Qemu);
  assert.equal(registry.driver("qemu.Qemu", "export.qemu"), Qemu);
  assert.equal(
    registry.driver("jumpstarter_driver_pyserial.driver.PySerial", "export.s"),
    PySerial,
  );
});
