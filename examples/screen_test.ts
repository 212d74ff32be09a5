/**
 * Screens: a test that reads the board's screen. The QEMU board's `video`
 * child is its VGA display; `waitForText` reads it with OCR (tesseract),
 * `waitForImage` compares it with a reference image. When a test fails, the
 * test kit saves each screen's last frame and names the file in the report,
 * beside the console transcripts.
 *
 *   bash scripts/build_test_guest.sh                   # the kernel + busybox guest
 *   deno test -A examples/screen_test.ts               # serves qemu-screen.yaml itself
 *   jumpstarter shell --exporter-config examples/qemu-screen.yaml -- deno test -A examples/screen_test.ts
 *
 * Needs qemu-system-x86_64 and tesseract (apt-get install qemu-system-x86
 * tesseract-ocr tesseract-ocr-eng); without them it is skipped, except under CI=true.
 */
import assert from "node:assert/strict";
import type { QemuBoard } from "@jumpstarter/jumpstarter";
import { withDevice } from "@jumpstarter/jumpstarter/testing";

const board = {
  exporterConfig: new URL("./qemu-screen.yaml", import.meta.url),
  timeout: 180_000,
};

Deno.test({
  name: "QEMU board: the screen shows the guest booting and its login prompt",
  ignore: Deno.env.get("CI") !== "true" && !await ready(),
  fn: withDevice<QemuBoard>(board, async (t, dut) => {
    await dut.power.on();
    await t.step("the login prompt shows on the screen", async () => {
      const { text } = await dut.video.waitForText("login:", { timeout: 120_000 });
      assert.match(text, /Jumpstarter test guest/);
      assert.match(text, /\[\s*\d+\.\d+\]/, "the kernel's boot lines show too");
    });
    await t.step("the top of the screen stays as it is", async () => {
      const frame = await dut.video.snapshot();
      const top = { x: 0, y: 0, width: 720, height: 64 };
      const { difference } = await dut.video.waitForImage(frame, { region: top, timeout: 10_000 });
      assert.ok(difference <= 0.01);
    });
  }),
});

/** Whether qemu, tesseract and the test guest are here. */
async function ready(): Promise<boolean> {
  const runs = (tool: string) =>
    new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" }).output()
      .then((o) => o.success, () => false);
  const guest = new URL("../.cache/guest/initrd.img", import.meta.url);
  const found = await runs("qemu-system-x86_64") && await runs("tesseract") &&
    await Deno.stat(guest).then(() => true, () => false);
  if (!found) console.warn("Skipping the screen example: needs qemu, tesseract and the test guest");
  return found;
}
