/**
 * `flasher.Fastboot` running the real `fastboot` (apt `fastboot`) against a
 * fastboot device on TCP played by the test (`fastboot -s tcp:127.0.0.1:PORT`),
 * the image bytes checked at the device end. Skipped with a message when
 * fastboot is missing, except under CI=true, where they fail.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import type { DriverError } from "../../src/driver/driver_error.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { findProgram } from "../../src/driver/find_program.ts";
import { localDevice } from "../../testing.ts";
import type { StorageClient } from "../storage/client.ts";
import { startFastbootDevice } from "./_fastboot_device.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await findProgram("fastboot") === undefined
  ? "fastboot is not installed"
  : undefined;
if (missing && !CI) {
  console.warn(`Skipping the fastboot tests: ${missing} (apt-get install fastboot)`);
}
const real = { ignore: missing !== undefined && !CI };

function flasherConfig(config: Record<string, unknown>) {
  return exporterConfigFrom(
    { export: { flasher: { type: "flasher.Fastboot", config } } },
    Deno.cwd(),
  );
}

Deno.test({
  name: "Fastboot flashes a partition with the real fastboot over TCP, bytes checked at the device",
  ...real,
  fn: async () => {
    await using device = startFastbootDevice(["boot", "system"]);
    const dir = await Deno.makeTempDir();
    const image = join(dir, "boot.img");
    const bytes = new Uint8Array(1_500_000).map((_, i) => (i * 31) % 256);
    await Deno.writeFile(image, bytes);
    {
      await using dut = await localDevice(
        flasherConfig({ serial: `tcp:127.0.0.1:${device.port}`, reboot: true }),
      );
      const flasher = dut.child<StorageClient>("flasher");
      assert.deepEqual(flasher.commands().map((c) => c.name), ["flash"]);
      const result = await flasher.flash<{ size: number; verified: boolean; target: string }>(
        image,
        { target: "boot" },
      );
      assert.deepEqual([result.size, result.verified, result.target], [bytes.length, true, "boot"]);
      assert.deepEqual(device.partitions.get("boot"), bytes);
      assert.equal(device.rebooted, 1);
      assert.equal(await flasher.call("getvar", "product"), "simulated");
      await assert.rejects(
        flasher.flash(image, { target: "recovery" }),
        /^DriverError: fastboot flash recovery on tcp:127.0.0.1:\d+ exited with status 1: Writing .recovery. FAILED \(remote: .partition 'recovery' does not exist/,
      );
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "Fastboot with no device answering fails in one line after `wait` seconds",
  ...real,
  fn: async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    await using dut = await localDevice(
      flasherConfig({ serial: `tcp:127.0.0.1:${port}`, partition: "boot", wait: 0.5 }),
    );
    const started = performance.now();
    await assert.rejects(dut.child<StorageClient>("flasher").call("reboot"), (e: DriverError) => {
      assert.equal(e.code, "unavailable");
      assert.match(e.message, /^fastboot reboot: tcp:127.0.0.1:\d+ did not show up within 0.5 s/);
      return true;
    });
    assert.ok(performance.now() - started < 8000);
  },
});

Deno.test("Fastboot without the fastboot tool fails naming it and how to get it", async () => {
  const dir = await Deno.makeTempDir();
  const image = join(dir, "x.img");
  await Deno.writeFile(image, new Uint8Array(10));
  {
    await using dut = await localDevice(
      flasherConfig({ program: "/nonexistent/fastboot", partition: "boot" }),
    );
    await assert.rejects(
      dut.child<StorageClient>("flasher").flash(image),
      (e: Error) =>
        e instanceof FailedPreconditionError &&
        e.message ===
          '"/nonexistent/fastboot" is not installed (not found in PATH): apt-get install fastboot, or set `program` to its path',
    );
    await assert.rejects(
      dut.child<StorageClient>("flasher").flash(image, { target: "bad name" }),
      /Invalid partition "bad name"/,
    );
  }
  await Deno.remove(dir, { recursive: true });
});
