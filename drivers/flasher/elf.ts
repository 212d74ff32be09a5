/**
 * The loadable segments of an ELF file (32- or 64-bit, little-endian): what
 * a probe or a bootloader writes, at its load (physical) address.
 *
 * @module
 */
/** One stretch of bytes to be written at `address`. */
export interface Segment {
  address: number;
  data: Uint8Array;
}

const PT_LOAD = 1;

/**
 * The `PT_LOAD` segments with file bytes, at their physical addresses.
 *
 * @example
 * ```ts
 * import { loadSegments } from "./elf.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => loadSegments(new Uint8Array(8)), /not an ELF file/);
 * ```
 */
export function loadSegments(elf: Uint8Array): Segment[] {
  if (elf.length < 52 || elf[0] !== 0x7f || elf[1] !== 0x45 || elf[2] !== 0x4c || elf[3] !== 0x46) {
    throw new RangeError("The image is not an ELF file");
  }
  const is64 = elf[4] === 2;
  if (elf[5] !== 1) throw new RangeError("Big-endian ELF files are not supported");
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const word = (at: number) =>
    is64 ? Number(view.getBigUint64(at, true)) : view.getUint32(at, true);
  const phoff = word(is64 ? 32 : 28);
  const phentsize = view.getUint16(is64 ? 54 : 42, true);
  const phnum = view.getUint16(is64 ? 56 : 44, true);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + phentsize > elf.length) throw new RangeError("The ELF file is truncated");
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const offset = word(at + (is64 ? 8 : 4));
    const paddr = word(at + (is64 ? 24 : 12));
    const filesz = word(at + (is64 ? 32 : 16));
    if (filesz === 0) continue;
    if (offset + filesz > elf.length) throw new RangeError("The ELF file is truncated");
    segments.push({ address: paddr, data: elf.subarray(offset, offset + filesz) });
  }
  return segments;
}
