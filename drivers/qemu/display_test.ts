/**
 * The QEMU board's screen (`video` child) against a real qemu-system-x86_64
 * and the test guest (scripts/build_test_guest.sh), whose kernel prints to
 * the VGA console and whose init shows a login prompt on tty1. Without them
 * the boot test is skipped with a message, except under CI=true.
 */
import assert from "node:assert/strict";
import { ROOT, runEntry } from "../../tests/_fixtures/run.ts";
import { localDevice, withDevice } from "../../testing.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import type { CompositeClient } from "../../src/client/driver_client.ts";
import { testContext } from "../virtual/_test_context.ts";
import { imageSize, imageType } from "../video/image.ts";
import { encodePng } from "../video/image.ts";
import type { VideoClient } from "../video/client.ts";
import { ScreenCheckError } from "../video/screen_checks.ts";
import { ppmPixels } from "./display.ts";
import { Qemu } from "./qemu.ts";
import { which } from "./which.ts";

const GUEST = `${ROOT}/.cache/guest`;
const CI = Deno.env.get("CI") === "true";

type Screened = CompositeClient & { video: VideoClient; power: { on(): Promise<void> } };

async function missingParts(): Promise<string | undefined> {
  if (!await which("qemu-system-x86_64")) {
    return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
  }
  if (!await which("tesseract")) {
    return "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)";
  }
  const built = await Deno.stat(`${GUEST}/initrd.img`).then(() => true, () => false);
  return built
    ? undefined
    : `the test guest is not built in ${GUEST} (bash scripts/build_test_guest.sh)`;
}

const missing = await missingParts();
if (missing && !CI) console.warn(`Skipping the QEMU screen test: ${missing}`);

async function boardConfig(dir: string): Promise<string> {
  const file = `${dir}/board.yaml`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      export: {
        board: {
          type: "qemu.Qemu",
          config: {
            kernel: `${GUEST}/vmlinuz`,
            initrd: `${GUEST}/initrd.img`,
            append: "console=tty0 console=ttyS0 panic=-1",
          },
        },
        power: { ref: "board.power" },
        video: { ref: "board.video" },
      },
    }),
  );
  return file;
}

Deno.test("Qemu has a video child with upstream's ustreamer client label, none with display: false", () => {
  const board = new Qemu({ kernel: "vmlinuz" }, testContext("board"));
  assert.equal(
    board.children.get("video")?.clientLabel(),
    "jumpstarter_driver_ustreamer.client.UStreamerClient",
  );
  const headless = new Qemu({ kernel: "vmlinuz", display: false }, testContext("board"));
  assert.equal(headless.children.has("video"), false);
});

Deno.test("QemuDisplay snapshot while the board is off is one clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using dut = await localDevice<Screened>(await boardConfig(dir));
    await assert.rejects(
      () => dut.video.snapshot(),
      (e) =>
        e instanceof FailedPreconditionError &&
        e.message === "Cannot grab the screen: the QEMU board is off; power it on first",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "QEMU screen shows boot text and login:, matches its own frame, and a wrong reference fails with the frame saved",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and ${missing}`);
    const dir = await Deno.makeTempDir();
    const saved: string[] = [];
    try {
      const body = withDevice<Screened>(
        { exporterConfig: await boardConfig(dir) },
        async (_t, dut) => {
          await dut.power.on();
          const { text } = await dut.video.waitForText("login:", { timeout: 90_000 });
          assert.match(text, /\[\s*\d+\.\d+\]/, "the kernel's timestamped boot lines show"); // console=tty0
          assert.match(text, /Jumpstarter test guest/);
          // The CLI in a session on this board: `jumpstarter video snapshot -o FILE`.
          const file = `${dir}/screen.png`;
          const ran = await runEntry("cli.ts", ["video", "snapshot", "-o", file], {
            JUMPSTARTER_HOST: dut.host,
          });
          assert.equal(ran.code, 0, ran.stderr);
          assert.match(ran.stdout, /^Saved 720x400 PNG to .*screen\.png/);
          assert.equal(imageType(await Deno.readFile(file)), "png");
          const frame = await dut.video.snapshot();
          assert.equal(imageType(frame), "png");
          const size = imageSize(frame)!;
          assert.deepEqual(size, { width: 720, height: 400 });
          // Its own frame matches (the cursor's blink is far below the threshold).
          await dut.video.waitForImage(frame, { timeout: 10_000 });
          const white = encodePng({
            ...size,
            data: new Uint8Array(size.width * size.height * 4).fill(255),
          });
          const error = await dut.video.waitForImage(white, { timeout: 1_000 }).catch((e) => e);
          assert.ok(error instanceof ScreenCheckError, String(error));
          saved.push(error.frameFile);
          assert.match(
            error.message,
            /^Screen "video" did not match the reference image within 1 s: .*% of it differs \(threshold 1\.00%\); last frame saved to /,
          );
          assert.equal(imageType(await Deno.readFile(error.frameFile)), "png");
          throw error; // the test kit adds the saved frame to the report
        },
      );
      const failure = await body({ name: "screen" } as Deno.TestContext).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(failure instanceof ScreenCheckError);
      assert.ok(
        failure.message.includes(
          `--- screen "video": last frame (720x400) saved to ${saved[0]} ---`,
        ),
        failure.message,
      );
    } finally {
      for (const file of saved) await Deno.remove(file).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("ppmPixels() reads the PPM an older QEMU's screendump writes", () => {
  const ppm = new Uint8Array([...new TextEncoder().encode("P6\n2 1\n255\n"), 255, 0, 0, 0, 0, 255]);
  assert.deepEqual(ppmPixels(ppm), {
    width: 2,
    height: 1,
    data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]),
  });
  assert.throws(() => ppmPixels(new TextEncoder().encode("P3\n2 1\n255\n")), /Not a binary PPM/);
  assert.throws(() => ppmPixels(ppm.subarray(0, 14)), /PPM screendump is short: 3 bytes for 2x1/);
});
