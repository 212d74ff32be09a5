/**
 * The ffmpeg and HTTP video back-ends against real ffmpeg processes: its
 * `testsrc` stands in for a camera (no V4L2 device here), and its own HTTP
 * MJPEG output (`-f mpjpeg -listen 1`) for an IP camera. Without ffmpeg the
 * tests are skipped with a message, except under CI=true, where they fail.
 */
import assert from "node:assert/strict";
import { driverHarness } from "../../testing.ts";
import { FailedPreconditionError, UnavailableError } from "../../src/driver/errors.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { eventually } from "../../testing/eventually.ts";
import { which } from "../qemu/which.ts";
import { VideoClient } from "./client.ts";
import { FfmpegVideo } from "./ffmpeg.ts";
import { HttpVideo } from "./http.ts";
import { imageSize, imageType } from "./image.ts";
import { serveStream } from "./stream_server.ts";
import { testContext } from "../virtual/_test_context.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await which("ffmpeg")
  ? undefined
  : "ffmpeg is not installed (apt-get install ffmpeg)";
if (missing && !CI) console.warn(`Skipping the ffmpeg video tests: ${missing}`);
const TESTSRC = { format: "lavfi", device: "testsrc=size=320x240:rate=10", fps: 10 };

function ffmpegTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: missing !== undefined && !CI,
    async fn() {
      assert.ok(missing === undefined, `CI=true and ${missing}`);
      await fn();
    },
  });
}

async function take<T>(frames: AsyncIterable<T>, n: number): Promise<T[]> {
  const taken: T[] = [];
  for await (const frame of frames) {
    taken.push(frame);
    if (taken.length === n) break;
  }
  return taken;
}

ffmpegTest("FfmpegVideo snapshot() is a PNG frame of ffmpeg's test source", async () => {
  await using root = await driverHarness(FfmpegVideo, TESTSRC);
  const video = root.child("dut", VideoClient);
  const frame = await video.snapshot();
  assert.equal(imageType(frame), "png");
  assert.deepEqual(imageSize(frame), { width: 320, height: 240 });
  assert.equal(video.lastFrame, frame);
  const state = await video.state();
  assert.deepEqual(state.result.source.resolution, { width: 320, height: 240 });
});

ffmpegTest(
  "FfmpegVideo streams MJPEG to two viewers from one ffmpeg and answers snapshots from it",
  async () => {
    await using root = await driverHarness(FfmpegVideo, TESTSRC);
    const video = root.child("dut", VideoClient);
    const [a, b] = await Promise.all([take(video.frames(), 3), take(video.frames(), 3)]);
    for (const frame of [...a, ...b]) {
      assert.equal(imageType(frame), "jpeg");
      assert.deepEqual(imageSize(frame), { width: 320, height: 240 });
    }
    const body = await video.mjpeg();
    const reader = body.getReader();
    const first = new TextDecoder().decode((await reader.read()).value!.subarray(0, 80));
    assert.match(
      first,
      /^--jumpstarter-frame\r\nContent-Type: image\/jpeg\r\nContent-Length: \d+\r\n\r\n/,
    );
    // While a stream runs, a snapshot is its newest frame (a camera opens once).
    assert.equal(imageType(await video.snapshot()), "jpeg");
    await reader.cancel();
  },
);

ffmpegTest("FfmpegVideo on a missing device fails with ffmpeg's own message", async () => {
  await using root = await driverHarness(FfmpegVideo, { device: "/dev/video-missing" });
  await assert.rejects(
    () => root.child("dut", VideoClient).snapshot(),
    (e) =>
      e instanceof UnavailableError &&
      /^Cannot grab a frame from "\/dev\/video-missing": ffmpeg failed: .*No such file or directory/
        .test(e.message),
  );
});

Deno.test("FfmpegVideo without ffmpeg names the apt package; bad config names the key", async () => {
  await using root = await driverHarness(FfmpegVideo, {
    device: "/dev/video0",
    ffmpeg: "ffmpeg-not-here",
  });
  await assert.rejects(
    () => root.child("dut", VideoClient).snapshot(),
    (e) =>
      e instanceof FailedPreconditionError &&
      e.message ===
        `Cannot read "/dev/video0": "ffmpeg-not-here" is not installed; install it with "apt-get install ffmpeg"`,
  );
  assert.throws(() => new FfmpegVideo({}, testContext("cam")), ConfigError);
  assert.throws(
    () => new FfmpegVideo({ device: "/dev/video0", size: "big" }, testContext("cam")),
    /cam\.config\.size: expected WIDTHxHEIGHT/,
  );
  assert.throws(() => new HttpVideo({ url: "ftp://cam/stream" }, testContext("cam")), /http:\/\//);
});

ffmpegTest(
  "HttpVideo reads ffmpeg's own HTTP MJPEG output (an IP camera stand-in) past its answer timeout",
  async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const server = new Deno.Command("ffmpeg", {
      args: [
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=10",
        "-f",
        "mpjpeg",
        "-listen",
        "1",
        `http://127.0.0.1:${port}/stream`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await using root = await driverHarness(HttpVideo, {
        url: `http://127.0.0.1:${port}/stream`,
        timeout: 1,
      });
      const video = root.child("dut", VideoClient);
      // ffmpeg serves one client: wait until it listens, then keep that one stream
      // for 2 s at 10 frames a second, longer than the 1 s the answer may take.
      const frames = await eventually(() => take(video.frames(), 20), {
        timeout: 20_000,
        interval: 200,
      });
      for (const frame of frames) assert.deepEqual(imageSize(frame), { width: 320, height: 240 });
    } finally {
      try {
        server.kill("SIGKILL");
      } catch {
        // It served its one client and exited.
      }
      await server.status;
    }
  },
);

ffmpegTest(
  "HttpVideo reads the project's own stream server: snapshot URL and MJPEG stream",
  async () => {
    await using camera = await driverHarness(FfmpegVideo, TESTSRC);
    const source = camera.child("dut", VideoClient);
    const server = serveStream(source);
    try {
      await using root = await driverHarness(HttpVideo, {
        url: `${server.url}stream`,
        snapshot: `${server.url}snapshot`,
      });
      const video = root.child("dut", VideoClient);
      assert.equal(imageType(await video.snapshot()), "png");
      const frames = await take(video.frames(), 2);
      assert.equal(imageType(frames[1]), "jpeg");
      const page = await fetch(server.url);
      assert.match(await page.text(), /<img src="stream"/);
      const missingPath = await fetch(`${server.url}nothing`);
      assert.equal(missingPath.status, 404);
      await missingPath.body?.cancel();
    } finally {
      await server.close();
    }
  },
);

Deno.test("HttpVideo errors say which URL answered what", async () => {
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/text") {
      return new Response("hello", { headers: { "content-type": "text/plain" } });
    }
    if (path === "/endless") {
      // No Content-Length, and more than any frame may be: the driver stops reading.
      const mib = new Uint8Array(1024 * 1024);
      return new Response(new ReadableStream({ pull: (c) => c.enqueue(mib) }));
    }
    return new Response("no", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  await using root = await driverHarness(HttpVideo, {
    url: `${base}/text`,
    snapshot: `${base}/gone`,
  });
  const video = root.child("dut", VideoClient);
  await assert.rejects(
    () => video.snapshot(),
    /Error: Cannot fetch http:\/\/127\.0\.0\.1:\d+\/gone: it answered 404 Not Found$/,
  );
  await assert.rejects(
    () => take(video.frames(), 1),
    /\/text is not an MJPEG stream: it answered "text\/plain"/,
  );
  await using endless = await driverHarness(HttpVideo, {
    url: `${base}/text`,
    snapshot: `${base}/endless`,
  });
  await assert.rejects(
    () => endless.child("dut", VideoClient).snapshot(),
    /Snapshot of http:\/\/127\.0\.0\.1:\d+\/endless is over 16777216 bytes; is it an image URL\?/,
  );
  await using unreachable = await driverHarness(HttpVideo, {
    url: "http://127.0.0.1:1/stream",
    timeout: 2,
  });
  await assert.rejects(
    () => unreachable.child("dut", VideoClient).snapshot(),
    /Error: Cannot fetch http:\/\/127\.0\.0\.1:1\/stream: /,
  );
});
