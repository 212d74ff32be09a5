/**
 * UF2 (Microsoft's USB Flashing Format, https://github.com/microsoft/uf2):
 * an image cut into 512-byte blocks, each carrying 256 bytes for one flash
 * address, that a board's mass-storage bootloader writes as the file is
 * copied to it. Raw images and ELF files are converted here.
 *
 * @module
 */
import { loadSegments, type Segment } from "./elf.ts";

export const UF2_MAGIC_START0 = 0x0a324655; // "UF2\n"
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
/** `flags` bit: the `fileSize` field holds a family ID. */
export const UF2_FLAG_FAMILY = 0x00002000;
export const UF2_BLOCK = 512;
export const UF2_PAYLOAD = 256;

/** Family IDs of the boards UF2 names (uf2families.json). */
export const UF2_FAMILIES: Record<string, number> = {
  rp2040: 0xe48bff56,
  "rp2350-arm-s": 0xe48bff59,
  "rp2350-riscv": 0xe48bff5a,
  "rp2350-arm-ns": 0xe48bff5b,
  stm32f4: 0x57755a57,
  nrf52840: 0xada52840,
  samd21: 0x68ed2b88,
  esp32s2: 0xbfdd4eee,
};

/**
 * The UF2 file writing `segments`, in 256-byte pages aligned to 256 (gaps
 * inside a page are zero), tagged with `familyId`.
 *
 * @example
 * ```ts
 * import { toUf2, UF2_FAMILIES } from "./uf2.ts";
 * import assert from "node:assert/strict";
 *
 * const uf2 = toUf2([{ address: 0x10000000, data: new Uint8Array(300) }], UF2_FAMILIES.rp2040);
 * assert.equal(uf2.length, 2 * 512); // 300 bytes: two 256-byte pages
 * ```
 */
export function toUf2(segments: Segment[], familyId: number): Uint8Array {
  const pages = new Map<number, Uint8Array>();
  for (const { address, data } of segments) {
    for (let at = 0; at < data.length;) {
      const absolute = address + at;
      const page = absolute - (absolute % UF2_PAYLOAD);
      const offset = absolute - page;
      const take = Math.min(UF2_PAYLOAD - offset, data.length - at);
      let bytes = pages.get(page);
      if (!bytes) pages.set(page, bytes = new Uint8Array(UF2_PAYLOAD));
      bytes.set(data.subarray(at, at + take), offset);
      at += take;
    }
  }
  const addresses = [...pages.keys()].sort((a, b) => a - b);
  const out = new Uint8Array(addresses.length * UF2_BLOCK);
  addresses.forEach((address, blockNo) => {
    const block = new DataView(out.buffer, blockNo * UF2_BLOCK, UF2_BLOCK);
    block.setUint32(0, UF2_MAGIC_START0, true);
    block.setUint32(4, UF2_MAGIC_START1, true);
    block.setUint32(8, UF2_FLAG_FAMILY, true);
    block.setUint32(12, address, true);
    block.setUint32(16, UF2_PAYLOAD, true);
    block.setUint32(20, blockNo, true);
    block.setUint32(24, addresses.length, true);
    block.setUint32(28, familyId, true);
    out.set(pages.get(address)!, blockNo * UF2_BLOCK + 32);
    block.setUint32(UF2_BLOCK - 4, UF2_MAGIC_END, true);
  });
  return out;
}

/** Whether `bytes` is a whole UF2 file (every block's magic numbers in place). */
export function isUf2(bytes: Uint8Array): boolean {
  if (bytes.length === 0 || bytes.length % UF2_BLOCK !== 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; at += UF2_BLOCK) {
    if (
      view.getUint32(at, true) !== UF2_MAGIC_START0 ||
      view.getUint32(at + 4, true) !== UF2_MAGIC_START1 ||
      view.getUint32(at + UF2_BLOCK - 4, true) !== UF2_MAGIC_END
    ) return false;
  }
  return true;
}

/**
 * The UF2 file for an image: a UF2 file as it is, an ELF file's loadable
 * segments at their load addresses, a raw image at `address`.
 */
export function imageToUf2(
  image: Uint8Array,
  format: "elf" | "uf2" | "bin" | "hex",
  familyId: number,
  address: number,
): Uint8Array {
  if (format === "uf2") {
    if (!isUf2(image)) {
      throw new RangeError("The image starts like UF2 but is not a whole UF2 file");
    }
    return image;
  }
  if (format === "hex") {
    throw new RangeError("Intel HEX images cannot be sent as UF2: give a .bin, .elf or .uf2");
  }
  const segments = format === "elf" ? loadSegments(image) : [{ address, data: image }];
  if (segments.length === 0) throw new RangeError("The ELF file has no loadable segments");
  return toUf2(segments, familyId);
}
