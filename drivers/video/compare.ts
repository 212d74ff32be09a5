/**
 * How different two screens look: both are cut into 4x4 pixel blocks, and
 * the difference is the share of blocks whose mean brightness differs by
 * more than 10%. Blocks forgive JPEG noise and a pixel of shift; a changed
 * word, icon or colour still changes many blocks.
 *
 * @module
 */
import type { Pixels } from "./image.ts";

const BLOCK = 4;
const TOLERANCE = 0.1 * 255;

/** The share (0 to 1) of blocks that differ between two images of the same size. */
export function screenDifference(a: Pixels, b: Pixels): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(
      `Cannot compare a ${a.width}x${a.height} image with a ${b.width}x${b.height} one: sizes differ`,
    );
  }
  const columns = Math.ceil(a.width / BLOCK);
  const rows = Math.ceil(a.height / BLOCK);
  let differing = 0;
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < columns; bx++) {
      if (Math.abs(blockMean(a, bx, by) - blockMean(b, bx, by)) > TOLERANCE) differing++;
    }
  }
  return differing / (columns * rows);
}

function blockMean(image: Pixels, bx: number, by: number): number {
  let sum = 0;
  let count = 0;
  const yEnd = Math.min((by + 1) * BLOCK, image.height);
  const xEnd = Math.min((bx + 1) * BLOCK, image.width);
  for (let y = by * BLOCK; y < yEnd; y++) {
    for (let x = bx * BLOCK; x < xEnd; x++) {
      const p = (y * image.width + x) * 4;
      sum += image.data[p] * 0.299 + image.data[p + 1] * 0.587 + image.data[p + 2] * 0.114;
      count++;
    }
  }
  return sum / count;
}
