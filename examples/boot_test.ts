/**
 * A hardware suite against the board of the current session:
 *
 *   jumpstarter shell --exporter-config examples/virtual-board.yaml -- deno test -A examples/boot_test.ts
 *
 * Run on its own (no JUMPSTARTER_HOST), it serves examples/virtual-board.yaml itself.
 */
import assert from "node:assert/strict";
import { env, type VirtualBoard } from "@jumpstarter/jumpstarter";
import { localDevice } from "@jumpstarter/jumpstarter/testing";

async function device() {
  if (Deno.env.get("JUMPSTARTER_HOST")) return await env<VirtualBoard>();
  return await localDevice<VirtualBoard>(new URL("./virtual-board.yaml", import.meta.url).pathname);
}

Deno.test("board boots to a login prompt and runs commands", async (t) => {
  await using dut = await device();
  await using serial = await dut.serial.open();
  await dut.power.on();

  await t.step("login prompt appears", async () => {
    await serial.expect(/login: /, { timeout: 15_000 });
    await serial.sendLine("root");
    await serial.expect(/# $/);
  });

  await t.step("kernel identifies itself", async () => {
    const { output, status } = await serial.run("uname -a");
    assert.equal(status, 0);
    assert.match(output, /Linux/);
  });

  await t.step("a failing command reports its exit status", async () => {
    const { status } = await serial.run("false");
    assert.equal(status, 1);
  });

  await dut.power.off();
});
