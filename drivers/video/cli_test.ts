/**
 * The video CLI commands run as real processes, on ffmpeg's test source
 * standing in for a camera: `snapshot -o FILE`, `stream` (a local MJPEG web
 * server until Ctrl-C), and their errors.
 */
import assert from "node:assert/strict";
import { jumpstarterCommand, runEntry } from "../../tests/_fixtures/run.ts";
import { which } from "../qemu/which.ts";
import { imageSize, imageType } from "./image.ts";
import { readMjpegFrames } from "./mjpeg.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await which("ffmpeg")
  ? undefined
  : "ffmpeg is not installed (apt-get install ffmpeg)";
if (missing && !CI) console.warn(`Skipping the video CLI tests: ${missing}`);

async function cameraConfig(dir: string): Promise<string> {
  const path = `${dir}/exporter.yaml`;
  await Deno.writeTextFile(
    path,
    `apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
export:
  camera:
    type: video.FfmpegVideo
    config: { format: lavfi, device: "testsrc=size=320x240:rate=10", fps: 10 }
`,
  );
  return path;
}

Deno.test({
  name:
    "jumpstarter camera snapshot -o FILE writes the format its extension names; bad options are one line",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and ${missing}`);
    const dir = await Deno.makeTempDir();
    try {
      const config = await cameraConfig(dir);
      for (const [name, type] of [["screen.png", "png"], ["screen.jpg", "jpeg"]]) {
        const ran = await runEntry("cli.ts", [
          "--exporter-config",
          config,
          "camera",
          "snapshot",
          "-o",
          `${dir}/${name}`,
        ]);
        assert.equal(ran.code, 0, ran.stderr);
        assert.match(
          ran.stdout,
          new RegExp(`^Saved 320x240 ${type.toUpperCase()} to .*${name} \\(\\d+\\.\\d KB\\)\\n$`),
        );
        const bytes = await Deno.readFile(`${dir}/${name}`);
        assert.equal(imageType(bytes), type);
        assert.deepEqual(imageSize(bytes), { width: 320, height: 240 });
      }
      const help = await runEntry("cli.ts", [
        "--exporter-config",
        config,
        "camera",
        "stream",
        "--help",
      ]);
      assert.match(
        help.stdout,
        /Examples:\n {2}\$ jumpstarter camera stream\n {2}\$ jumpstarter camera stream --port 0\n/,
      );
      const bad = await runEntry("cli.ts", [
        "--exporter-config",
        config,
        "camera",
        "text",
        "--region",
        "1,2",
      ]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /Invalid --region "1,2": use x,y,width,height in whole pixels/);
      assert.doesNotMatch(bad.stderr, /\n\s+at /);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "jumpstarter camera stream serves MJPEG, /snapshot and a page until Ctrl-C",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and ${missing}`);
    const dir = await Deno.makeTempDir();
    try {
      const [program, ...args] = jumpstarterCommand(
        "--exporter-config",
        await cameraConfig(dir),
        "camera",
        "stream",
        "--port",
        "0",
      );
      const child = new Deno.Command(program, {
        args,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const first = (await lines.read()).value ?? "";
      assert.match(first, /^http:\/\/127\.0\.0\.1:\d+\/stream\n$/);
      const url = first.trim();
      const response = await fetch(url);
      assert.match(response.headers.get("content-type")!, /^multipart\/x-mixed-replace; boundary=/);
      let frames = 0;
      for await (const frame of readMjpegFrames(response.body!)) {
        assert.deepEqual(imageSize(frame), { width: 320, height: 240 });
        if (++frames === 3) break;
      }
      const snapshot = await fetch(url.replace(/stream$/, "snapshot"));
      // The stream's newest frame (JPEG) if it is fresh, else a new one (PNG).
      const type = imageType(await snapshot.bytes());
      assert.equal(snapshot.headers.get("content-type"), `image/${type}`);
      child.kill("SIGINT");
      const status = await child.status;
      await lines.cancel();
      const stderr = await new Response(child.stderr).text();
      assert.equal(status.code, 0, stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
