/**
 * `flasher.OpenOcd` running the real `openocd` (apt `openocd`) with its
 * `dummy` adapter: no chip answers, so it must get as far as OpenOCD
 * reporting no target, and say so in one line. Skipped with a message
 * when openocd is missing, except under CI=true, where it fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { findProgram } from "../../src/driver/find_program.ts";
import { localDevice } from "../../testing.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { StorageClient } from "../storage/client.ts";
import { OpenOcd, openOcdFailure } from "./openocd.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await findProgram("openocd") === undefined ? "openocd is not installed" : undefined;
if (missing && !CI) console.warn(`Skipping the openocd test: ${missing} (apt-get install openocd)`);

Deno.test({
  name: "OpenOcd runs the real openocd on its dummy adapter and reports that no target answered",
  ignore: missing !== undefined && !CI,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const image = join(dir, "app.bin");
    await Deno.writeFile(image, new Uint8Array(64).fill(1));
    {
      await using dut = await localDevice(exporterConfigFrom({
        export: {
          mcu: {
            type: "flasher.OpenOcd",
            config: { commands: ["adapter driver dummy", "adapter speed 1000"], timeout: 60 },
          },
        },
      }, Deno.cwd()));
      await assert.rejects(dut.child<StorageClient>("mcu").flash(image), (e: Error) => {
        assert.match(
          e.message,
          /^openocd program exited with status 1: \*\* Unable to reset target \*\* \(OpenOCD has no target: set target, e\.g\. target\/stm32f4x\.cfg\)$/,
        );
        return true;
      });
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("OpenOcd builds its command line from the config and checks it first", () => {
  const ocd = new OpenOcd({
    interface: "interface/stlink.cfg",
    target: "target/stm32f4x.cfg",
    commands: "adapter serial 066DFF",
    search: ["/opt/ocd"],
  }, testContext("mcu"));
  assert.deepEqual(ocd.args, [
    "-s",
    "/opt/ocd",
    "-f",
    "interface/stlink.cfg",
    "-f",
    "target/stm32f4x.cfg",
    "-c",
    "adapter serial 066DFF",
  ]);
  assert.throws(() => new OpenOcd({}, testContext("mcu")), /give interface and target/);
  assert.throws(
    () => new OpenOcd({ config: [1] }, testContext("mcu")),
    /config.config: expected a string or a list/,
  );
  assert.equal(
    openOcdFailure("Info : x\n** Programming Failed **\nshutdown command invoked\n"),
    "** Programming Failed **",
  );
});

Deno.test("OpenOcd without openocd fails before the upload, naming the tool", async () => {
  const dir = await Deno.makeTempDir();
  const image = join(dir, "app.bin");
  await Deno.writeFile(image, new Uint8Array(4));
  {
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        mcu: {
          type: "flasher.OpenOcd",
          config: { board: "board/x.cfg", program: "no-openocd-here" },
        },
      },
    }, Deno.cwd()));
    await assert.rejects(
      dut.child<StorageClient>("mcu").flash(image),
      /^FailedPreconditionError: "no-openocd-here" is not installed \(not found in PATH\): apt-get install openocd/,
    );
  }
  await Deno.remove(dir, { recursive: true });
});
