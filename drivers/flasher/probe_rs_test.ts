/**
 * `flasher.ProbeRs`: probe-rs is not packaged for Debian and is absent
 * here, so the driver must fail in one line naming it; the command line
 * and environment it hands probe-rs are checked with a stand-in program
 * (no real probe-rs, no real probe).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { localDevice } from "../../testing.ts";
import type { StorageClient } from "../storage/client.ts";

function probe(config: Record<string, unknown>) {
  return localDevice(exporterConfigFrom(
    { export: { mcu: { type: "jumpstarter_driver_probe_rs.driver.ProbeRs", config } } },
    Deno.cwd(),
  ));
}

Deno.test("ProbeRs without probe-rs fails before the upload, naming it and where to get it", async () => {
  const dir = await Deno.makeTempDir();
  const image = join(dir, "app.bin");
  await Deno.writeFile(image, new Uint8Array(4));
  {
    await using dut = await probe({ chip: "STM32F401RETx", probe_rs_path: join(dir, "probe-rs") });
    await assert.rejects(
      dut.child<StorageClient>("mcu").flash(image),
      /^FailedPreconditionError: ".*probe-rs" is not installed \(not found in PATH\): install probe-rs/,
    );
    await assert.rejects(dut.child("mcu").call("info"), /is not installed/);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ProbeRs hands upstream's settings to probe-rs as its environment, then resets", async () => {
  const dir = await Deno.makeTempDir();
  const fake = join(dir, "probe-rs");
  await Deno.writeTextFile(
    fake,
    `#!/bin/sh\necho "$* chip=$PROBE_RS_CHIP probe=$PROBE_RS_PROBE cur=$PROBE_RS_CONNECT_UNDER_RESET speed=$PROBE_RS_SPEED" >> "${dir}/calls"\n`,
  );
  await Deno.chmod(fake, 0o755);
  const image = join(dir, "app.bin");
  await Deno.writeFile(image, new Uint8Array(16));
  {
    await using dut = await probe({
      probe_rs_path: fake,
      chip: "STM32F401RETx",
      probe: "0483:374b",
      connect_under_reset: true,
      speed: 4000,
    });
    await dut.child<StorageClient>("mcu").flash(image);
  }
  const calls = (await Deno.readTextFile(join(dir, "calls"))).trim().split("\n");
  assert.match(
    calls[0],
    /^download --binary-format bin --base-address 0x8000000 \/.*\/image\.bin chip=STM32F401RETx probe=0483:374b cur=true speed=4000$/,
  );
  assert.match(calls[1], /^reset chip=STM32F401RETx/);
  await Deno.remove(dir, { recursive: true });
});
