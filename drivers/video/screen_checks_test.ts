/**
 * Screen checks and MJPEG parsing on generated images, no tools needed:
 * block difference, regions, the failure with its saved frame, and MJPEG
 * parts split at every possible place.
 */
import assert from "node:assert/strict";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { screenDifference } from "./compare.ts";
import { crop, decodeImage, encodeJpeg, encodePng, imageSize, type Pixels } from "./image.ts";
import { MAX_FRAME_BYTES, mjpegPart, readMjpegFrames } from "./mjpeg.ts";
import { ScreenCheckError, waitForImage, waitForText } from "./screen_checks.ts";
import { parseRegion } from "./cli.ts";

/** A grey image with a white square at (x, y). */
function picture(x: number, y = 8, size = 16): Pixels {
  const width = 64, height = 48;
  const data = new Uint8Array(width * height * 4).fill(64);
  for (let row = y; row < y + size; row++) {
    data.fill(255, (row * width + x) * 4, (row * width + x + size) * 4);
  }
  return { width, height, data };
}

function source(frames: Uint8Array[]) {
  let i = 0;
  return {
    name: "screen",
    snapshot: () => Promise.resolve(frames[Math.min(i++, frames.length - 1)]),
  };
}

Deno.test("screenDifference() is 0 for the same image, the moved square's share otherwise", () => {
  assert.equal(screenDifference(picture(8), picture(8)), 0);
  // 16x16 square moved by 16 px: 2 x 16 blocks of 4x4 change, out of 16 x 12 blocks.
  assert.equal(screenDifference(picture(8), picture(24)), 32 / 192);
  assert.throws(
    () => screenDifference(picture(8), crop(picture(8), { x: 0, y: 0, width: 8, height: 8 })),
    /sizes differ/,
  );
});

Deno.test("images round-trip through PNG and JPEG; JPEG noise stays under the default threshold", () => {
  const png = decodeImage(encodePng(picture(8)));
  assert.deepEqual(png, picture(8));
  const jpeg = encodeJpeg(picture(8), 90);
  assert.deepEqual(imageSize(jpeg), { width: 64, height: 48 });
  assert.ok(screenDifference(decodeImage(jpeg), picture(8)) <= 0.01);
  assert.throws(
    () => decodeImage(new TextEncoder().encode("GIF89a")),
    /neither PNG nor JPEG \(starts with 47 49 46 38\)/,
  );
});

Deno.test("waitForImage() waits for the screen to match, in a region or whole", async () => {
  const frames = [encodePng(picture(40)), encodePng(picture(8))];
  assert.deepEqual(
    await waitForImage(source(frames), encodePng(picture(8)), "ref.png", { interval: 1 }),
    { difference: 0 },
  );
  // Only the left half is compared: the square on the right does not matter.
  const left = { x: 0, y: 0, width: 32, height: 48 };
  const result = await waitForImage(
    source([encodePng(picture(8))]),
    encodePng(crop(picture(8), left)),
    "left.png",
    {
      region: left,
    },
  );
  assert.equal(result.difference, 0);
});

Deno.test("waitForImage() times out with the difference and the last frame saved", async () => {
  const frame = encodePng(picture(40));
  const error = await waitForImage(source([frame]), encodePng(picture(8)), "ref.png", {
    timeout: 50,
    interval: 10,
  })
    .catch((e) => e);
  try {
    assert.ok(error instanceof ScreenCheckError);
    assert.match(
      error.message,
      /^Screen "screen" did not match ref\.png within 0\.1 s: 16\.7% of it differs \(threshold 1\.00%\); last frame saved to \/.*\.png$/,
    );
    assert.deepEqual(await Deno.readFile(error.frameFile), frame);
  } finally {
    await Deno.remove(error.frameFile);
  }
  await assert.rejects(
    () =>
      waitForImage(source([frame]), frame, "ref.png", {
        region: { x: 60, y: 0, width: 8, height: 8 },
      }),
    /Invalid region .*inside the 64x48 screen/,
  );
  await assert.rejects(
    () => waitForImage(source([frame]), frame, "ref.png", { threshold: 2 }),
    /Invalid threshold 2/,
  );
});

Deno.test("waitForText() without tesseract names the apt packages", async () => {
  await assert.rejects(
    () => waitForText(source([encodePng(picture(8))]), "login:", { binary: "tesseract-not-here" }),
    (e) =>
      e instanceof FailedPreconditionError &&
      e.message ===
        `Cannot read the screen's text: "tesseract-not-here" is not installed; install it with "apt-get install tesseract-ocr tesseract-ocr-eng"`,
  );
});

Deno.test("parseRegion() reads x,y,width,height and refuses anything else", () => {
  assert.deepEqual(parseRegion("0,8,720,64"), { x: 0, y: 8, width: 720, height: 64 });
  assert.equal(parseRegion(undefined), undefined);
  assert.throws(() => parseRegion("0,0,-1,4"), RangeError);
});

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset += chunk));
    },
  });
}

Deno.test("readMjpegFrames() reads parts with and without Content-Length, split anywhere", async () => {
  const a = encodeJpeg(picture(8));
  const b = encodeJpeg(picture(24));
  const ours = new Uint8Array([...mjpegPart(a), ...mjpegPart(b)]);
  const enc = new TextEncoder();
  // ustreamer/mjpg-streamer style: no Content-Length, boundary in the header.
  const theirs = new Uint8Array([
    ...enc.encode("--cam\r\nContent-Type: image/jpeg\r\n\r\n"),
    ...a,
    ...enc.encode("\r\n--cam\r\nContent-Type: image/jpeg\r\n\r\n"),
    ...b,
    ...enc.encode("\r\n--cam\r\n"),
  ]);
  for (const chunk of [1, 7, 4096]) {
    assert.deepEqual(await Array.fromAsync(readMjpegFrames(streamOf(ours, chunk))), [a, b]);
    assert.deepEqual(await Array.fromAsync(readMjpegFrames(streamOf(theirs, chunk), "cam")), [
      a,
      b,
    ]);
  }
  const huge = enc.encode(`--x\r\nContent-Length: ${MAX_FRAME_BYTES + 1}\r\n\r\n`);
  await assert.rejects(() => Array.fromAsync(readMjpegFrames(streamOf(huge, 64))), /exceeds/);
  await assert.rejects(
    () => Array.fromAsync(readMjpegFrames(streamOf(enc.encode("HTTP/1.1 200 OK\r\n\r\n"), 64))),
    /Not a multipart stream/,
  );
});

Deno.test("waitForText() reads each new frame once and times out saying what OCR read", async () => {
  const dir = await Deno.makeTempDir();
  const ocr = `${dir}/ocr`;
  // A stand-in tesseract: counts its runs, reads the same words every time.
  await Deno.writeTextFile(
    ocr,
    `#!/bin/sh\ncat >/dev/null\necho run >>"${dir}/runs"\necho "Booting   kernel"\n`,
  );
  await Deno.chmod(ocr, 0o755);
  const same = encodePng(picture(8));
  const frames = [same, same, same, encodePng(picture(24))];
  try {
    const error = await waitForText(source(frames), "login:", {
      binary: ocr,
      timeout: 300,
      interval: 10,
      frameFile: `${dir}/last.png`,
    }).catch((e) => e);
    assert.ok(error instanceof ScreenCheckError);
    assert.equal(
      error.message,
      `Screen "screen" did not show "login:" within 0.3 s; OCR read: "Booting kernel"; last frame saved to ${dir}/last.png`,
    );
    assert.equal((await Deno.readTextFile(`${dir}/runs`)).trim().split("\n").length, 2);
    const found = await waitForText(source([same]), "Booting kernel", { binary: ocr });
    assert.deepEqual(found, { text: "Booting   kernel\n", match: "Booting   kernel" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
