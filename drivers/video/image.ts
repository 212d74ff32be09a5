/**
 * Screen images as bytes and as pixels: which format a frame is (PNG or
 * JPEG), decoding either to RGBA, encoding PNG and JPEG, and cropping to a
 * region. Pure JavaScript (`pngjs`, `jpeg-js`), so screen checks need no
 * image tool on the client.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import png from "pngjs";
import jpeg from "jpeg-js";

/** An image as RGBA pixels, 4 bytes a pixel, row by row. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A rectangle of the screen, in pixels from the top left corner. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The largest image decoded (pixels), so a hostile frame cannot take all memory. */
const MAX_PIXELS = 8192 * 8192;

/** "png", "jpeg", or undefined for anything else, from the first bytes. */
export function imageType(bytes: Uint8Array): "png" | "jpeg" | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e) {
    return "png";
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "jpeg";
  }
  return undefined;
}

/** Decodes a PNG or JPEG frame to RGBA pixels. */
export function decodeImage(bytes: Uint8Array): Pixels {
  const type = imageType(bytes);
  if (type === "png") {
    const image = png.PNG.sync.read(Buffer.from(bytes));
    return { width: image.width, height: image.height, data: new Uint8Array(image.data) };
  }
  if (type === "jpeg") {
    const image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_PIXELS / 1e6,
    });
    return { width: image.width, height: image.height, data: image.data };
  }
  throw new TypeError(
    `Cannot decode the image: it is neither PNG nor JPEG (starts with ${
      hex(bytes.subarray(0, 4))
    })`,
  );
}

/** Encodes RGBA pixels as PNG. */
export function encodePng(pixels: Pixels): Uint8Array {
  const image = new png.PNG({ width: pixels.width, height: pixels.height });
  image.data = Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
  return new Uint8Array(png.PNG.sync.write(image));
}

/** Encodes RGBA pixels as JPEG at `quality` (1-100). */
export function encodeJpeg(pixels: Pixels, quality = 80): Uint8Array {
  return new Uint8Array(jpeg.encode(pixels, quality).data);
}

/** The pixels of `region` (checked to lie inside the image). */
export function crop(pixels: Pixels, region: Region): Pixels {
  checkRegion(region, pixels);
  const { x, y, width, height } = region;
  const data = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * pixels.width + x) * 4;
    data.set(pixels.data.subarray(start, start + width * 4), row * width * 4);
  }
  return { width, height, data };
}

/** Throws a RangeError naming the region and the image size when `region` is not inside it. */
export function checkRegion(region: Region, image: { width: number; height: number }): void {
  const { x, y, width, height } = region;
  const whole = [x, y, width, height].every((n) => Number.isInteger(n) && n >= 0);
  if (
    !whole || width === 0 || height === 0 || x + width > image.width || y + height > image.height
  ) {
    throw new RangeError(
      `Invalid region ${
        JSON.stringify(region)
      }: it must be whole pixels inside the ${image.width}x${image.height} screen`,
    );
  }
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ") || "nothing";
}

/** Width and height from a PNG or JPEG header without decoding it; undefined if unknown. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = imageType(bytes);
  if (type === "png" && bytes.length >= 24) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (type !== "jpeg") return undefined;
  let i = 2;
  while (i + 9 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1];
    const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (sof) return { width: view.getUint16(i + 7), height: view.getUint16(i + 5) };
    i += 2 + view.getUint16(i + 2);
  }
  return undefined;
}
