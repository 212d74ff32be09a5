/**
 * `video.UStreamer` under upstream's class path against a real ustreamer.
 * No V4L2 device exists here, and ustreamer then serves its own "NO SIGNAL"
 * picture: real JPEG frames, a real stream and a real state to read. Skipped
 * without ustreamer and tesseract, except under CI=true, where it fails.
 */
import assert from "node:assert/strict";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import type { CompositeClient } from "../../src/client/driver_client.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { testContext } from "../virtual/_test_context.ts";
import { which } from "../qemu/which.ts";
import type { VideoClient } from "./client.ts";
import { imageSize, imageType } from "./image.ts";
import { UStreamer } from "./ustreamer.ts";

const CI = Deno.env.get("CI") === "true";
const missing = !await which("ustreamer")
  ? "ustreamer is not installed (apt-get install ustreamer)"
  : !await which("tesseract")
  ? "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)"
  : undefined;
if (missing && !CI) console.warn(`Skipping the ustreamer test: ${missing}`);

type Cameras = CompositeClient & { camera: VideoClient };

function config(extra: Record<string, unknown> = {}) {
  return exporterConfigFrom({
    export: {
      camera: {
        type: "jumpstarter_driver_ustreamer.driver.UStreamer",
        config: { args: { device: "/dev/video-missing" }, ...extra },
      },
    },
  }, Deno.cwd());
}

/** ustreamer processes that are children of this process (it names its main thread "main"). */
async function ustreamers(): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    const command = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    const match = stat.match(/^\d+ \((.*)\) (\S) (\d+)/);
    if (
      command.split("\0")[0].endsWith("ustreamer") && match && match[2] !== "Z" &&
      Number(match[3]) === Deno.pid
    ) {
      found.push(Number(entry.name));
    }
  }
  return found;
}

Deno.test({
  name:
    "UStreamer (upstream class path) runs ustreamer: snapshot, stream, its state and OCR of NO SIGNAL",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and ${missing}`);
    {
      await using dut = await localDevice<Cameras>(config());
      const frame = await dut.camera.snapshot();
      assert.equal(imageType(frame), "jpeg");
      assert.deepEqual(imageSize(frame), { width: 640, height: 480 });
      const state = await dut.camera.state();
      assert.equal(state.ok, true);
      assert.equal(state.result.source.online, false);
      let frames = 0;
      for await (const jpeg of dut.camera.frames()) {
        assert.equal(imageType(jpeg), "jpeg");
        if (++frames === 2) break;
      }
      const { match } = await dut.camera.waitForText("NO SIGNAL", { timeout: 30_000 });
      assert.equal(match.replace(/\s+/g, " "), "NO SIGNAL");
      assert.equal((await ustreamers()).length, 1);
    }
    assert.deepEqual(await ustreamers(), []);
  },
});

Deno.test("UStreamer checks its args and names the apt package when ustreamer is missing", async () => {
  assert.throws(
    () => new UStreamer({ args: { port: 80 } }, testContext("camera")),
    (e) =>
      e instanceof ConfigError &&
      /camera\.config\.args\.port: the driver sets where ustreamer listens/.test(e.message),
  );
  assert.throws(
    () => new UStreamer({ args: ["--device"] }, testContext("camera")),
    /expected a mapping/,
  );
  await using dut = await localDevice<Cameras>(config({ executable: "ustreamer-not-here" }));
  await assert.rejects(
    () => dut.camera.snapshot(),
    (e) =>
      e instanceof FailedPreconditionError &&
      e.message ===
        `Cannot start ustreamer: "ustreamer-not-here" is not installed; install it with "apt-get install ustreamer"`,
  );
});
