/**
 * `flasher.Dfu` running the real `dfu-util` (apt `dfu-util`): with no DFU
 * device on this machine it must fail in one line naming the device. The
 * command line it builds is checked with a stand-in program that records
 * its arguments. Skipped with a message when dfu-util is missing, except
 * under CI=true, where it fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { findProgram } from "../../src/driver/find_program.ts";
import { localDevice } from "../../testing.ts";
import type { StorageClient } from "../storage/client.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await findProgram("dfu-util") === undefined
  ? "dfu-util is not installed"
  : undefined;
if (missing && !CI) {
  console.warn(`Skipping the dfu-util test: ${missing} (apt-get install dfu-util)`);
}

function dfu(config: Record<string, unknown>) {
  return localDevice(
    exporterConfigFrom({ export: { mcu: { type: "flasher.Dfu", config } } }, Deno.cwd()),
  );
}

Deno.test({
  name: "Dfu runs the real dfu-util and, with no DFU device attached, says so in one line",
  ignore: missing !== undefined && !CI,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const image = join(dir, "app.bin");
    await Deno.writeFile(image, new Uint8Array(256).fill(3));
    {
      await using dut = await dfu({ device: "0483:df11", address: 0x08000000 });
      await assert.rejects(
        dut.child<StorageClient>("mcu").flash(image),
        /^DriverError: dfu-util download to 0483:df11 alt 0 exited with status 74: dfu-util: No DFU capable USB device available \(is the board in DFU mode/,
      );
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("Dfu passes device, serial, alt, address and leave to dfu-util", async () => {
  const dir = await Deno.makeTempDir();
  const fake = join(dir, "dfu-util");
  await Deno.writeTextFile(
    fake,
    `#!/bin/sh\necho "$@" > "${dir}/args"\ncp "\${10}" "${dir}/got"\n`,
  );
  await Deno.chmod(fake, 0o755);
  const image = join(dir, "app.bin");
  await Deno.writeFile(image, new Uint8Array(100).fill(9));
  {
    await using dut = await dfu({
      device: "0483:df11",
      serial: "3276",
      address: 0x08000000,
      program: fake,
    });
    await dut.child<StorageClient>("mcu").flash(image, { target: "1" });
  }
  const args = (await Deno.readTextFile(join(dir, "args"))).trim().split(" ");
  assert.deepEqual(args.slice(0, 7), ["-d", "0483:df11", "-S", "3276", "-a", "1", "-s"]);
  assert.equal(args[7], "0x8000000:leave");
  assert.deepEqual(await Deno.readFile(join(dir, "got")), new Uint8Array(100).fill(9));
  await assert.rejects(
    dfu({ device: "stm32" }),
    /config.device: expected VID:PID in hex \(e.g. 0483:df11\), got "stm32"/,
  );
  await Deno.remove(dir, { recursive: true });
});
