/**
 * A lab's first hardware suite, against the virtual board. It runs unchanged
 * three ways:
 *
 *   deno test -A examples/boot_test.ts                       # serves virtual-board.yaml itself
 *   jumpstarter shell --exporter-config examples/virtual-board.yaml -- deno test -A examples/boot_test.ts
 *   jumpstarter shell --selector board=virtual --duration 10m -- deno test -A examples/boot_test.ts
 *
 * (or, with a client config and no session, it leases `board=virtual` itself).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { VirtualBoard } from "@jumpstarter/jumpstarter";
import { withDevice } from "@jumpstarter/jumpstarter/testing";

const options = {
  exporterConfig: new URL("./virtual-board.yaml", import.meta.url),
  selector: Deno.env.get("BOARD_SELECTOR") ?? "board=virtual",
  duration: "10m",
  timeout: 120_000,
};

Deno.test(
  "virtual board: flash, boot, log in, run commands, recover from a power cycle",
  withDevice<VirtualBoard>(options, async (t, dut) => {
    const image = new Uint8Array(4 * 1024 * 1024);
    for (let i = 0; i < image.length; i += 65536) {
      crypto.getRandomValues(image.subarray(i, i + 65536));
    }
    const expected = createHash("sha256").update(image).digest("hex");
    const imagePath = await Deno.makeTempFile({ suffix: ".img" });
    await Deno.writeFile(imagePath, image);
    await using serial = await dut.serial.open();

    await t.step("flash an image and verify its checksum", async () => {
      await dut.power.off();
      const result = await dut.storage.flash(imagePath) as { sha256: string; size: number };
      assert.equal(result.sha256, expected);
      assert.equal(result.size, image.length);
    });

    await t.step("boot to the login prompt and log in", async () => {
      await dut.power.on();
      await serial.expect(/login: /, { timeout: 15_000 });
      await serial.sendLine("root");
      await serial.expect(/# $/);
    });

    await t.step("run commands and read their exit status", async () => {
      const uname = await serial.run("uname -a");
      assert.equal(uname.status, 0);
      assert.match(uname.output, /Linux/);
      assert.equal((await serial.run("false")).status, 1);
      const sum = await serial.run("sha256sum /dev/mmcblk0");
      assert.equal(sum.output.trim().split(/\s+/)[0], expected, "the board sees the flashed image");
    });

    await t.step("recover from a power cycle", async () => {
      await dut.power.cycle(0.2);
      await serial.expect(/login: /, { timeout: 15_000 });
      await serial.sendLine("root");
      await serial.expect(/# $/);
      assert.equal((await serial.run("true")).status, 0);
    });

    await dut.power.off();
    await Deno.remove(imagePath);
  }),
);
