/**
 * Reading a screen's text with the `tesseract` OCR engine (Debian's
 * `tesseract-ocr`). The frame is sent on stdin as a grey PGM, scaled up and
 * made dark-on-light first: tesseract reads small console fonts (VGA's 8x16)
 * far better that way.
 *
 * @module
 */
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import type { Pixels } from "./image.ts";
import { spawnTool } from "./spawn_tool.ts";

/** How to run tesseract. */
export interface OcrOptions {
  /** Tesseract language(s), default "eng". */
  lang?: string;
  /** The tesseract binary, default "tesseract" from PATH. */
  binary?: string;
}

/** The text tesseract reads in `pixels`. */
export async function readText(pixels: Pixels, options: OcrOptions = {}): Promise<string> {
  const binary = options.binary ?? "tesseract";
  const lang = options.lang ?? "eng";
  if (!/^[A-Za-z_+]+$/.test(lang)) {
    throw new RangeError(
      `Invalid OCR language "${lang}": use tesseract names such as eng or eng+deu`,
    );
  }
  const child = spawnTool(
    binary,
    {
      args: ["stdin", "stdout", "-l", lang, "--psm", "6"],
      // OpenMP threads spin and make one read take seconds on a busy machine.
      env: { OMP_THREAD_LIMIT: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    },
    "Cannot read the screen's text",
    "tesseract-ocr tesseract-ocr-eng",
  );
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(toPgm(pixels)).catch(() => {});
    await writer.close().catch(() => {});
  })();
  const [output] = await Promise.all([child.output(), writing]);
  if (!output.success) {
    const detail = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
    throw new FailedPreconditionError(
      `Cannot read the screen's text: tesseract exited with status ${output.code}: ${detail}${
        /lang|traineddata/i.test(detail ?? "")
          ? ` (install the language: apt-get install tesseract-ocr-${lang.split("+")[0]})`
          : ""
      }`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/** Grey, twice the size when small, dark text on a light ground, as binary PGM. */
export function toPgm(pixels: Pixels): Uint8Array {
  const scale = pixels.width < 1600 ? 2 : 1;
  const width = pixels.width * scale;
  const height = pixels.height * scale;
  const grey = new Uint8Array(pixels.width * pixels.height);
  let sum = 0;
  for (let i = 0; i < grey.length; i++) {
    const p = i * 4;
    const y = (pixels.data[p] * 299 + pixels.data[p + 1] * 587 + pixels.data[p + 2] * 114) / 1000;
    grey[i] = y;
    sum += y;
  }
  const invert = sum / grey.length < 128;
  const header = new TextEncoder().encode(`P5\n${width} ${height}\n255\n`);
  const out = new Uint8Array(header.length + width * height);
  out.set(header);
  let o = header.length;
  for (let row = 0; row < height; row++) {
    const source = Math.floor(row / scale) * pixels.width;
    for (let col = 0; col < width; col++) {
      const value = grey[source + Math.floor(col / scale)];
      out[o++] = invert ? 255 - value : value;
    }
  }
  return out;
}
