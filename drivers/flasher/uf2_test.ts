/**
 * UF2 conversion checked against the UF2 specification's block layout
 * (github.com/microsoft/uf2: 512-byte blocks, magic numbers, flags, target
 * address, payload size, block number, block count, family ID, 476 data
 * bytes, final magic), and `flasher.Uf2` / `flasher.StLinkMsd` copying to
 * a directory standing in for the board's drive.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { localDevice } from "../../testing.ts";
import type { StorageClient } from "../storage/client.ts";
import { imageToUf2, toUf2 } from "./uf2.ts";

/** The blocks of a UF2 file, read by the specification's offsets. */
function parseUf2(bytes: Uint8Array) {
  assert.equal(bytes.length % 512, 0, "UF2 files are whole 512-byte blocks");
  const blocks = [];
  for (let at = 0; at < bytes.length; at += 512) {
    const v = new DataView(bytes.buffer, bytes.byteOffset + at, 512);
    assert.equal(new TextDecoder().decode(bytes.subarray(at, at + 4)), "UF2\n");
    assert.equal(v.getUint32(4, true), 0x9e5d5157);
    assert.equal(v.getUint32(508, true), 0x0ab16f30);
    const size = v.getUint32(16, true);
    assert.ok(size <= 476);
    blocks.push({
      flags: v.getUint32(8, true),
      address: v.getUint32(12, true),
      size,
      blockNo: v.getUint32(20, true),
      count: v.getUint32(24, true),
      family: v.getUint32(28, true),
      data: bytes.slice(at + 32, at + 32 + size),
      padding: bytes.slice(at + 32 + size, at + 508),
    });
  }
  return blocks;
}

Deno.test("toUf2() lays a raw image out in 256-byte pages as the UF2 specification says", () => {
  const image = new Uint8Array(600).map((_, i) => (i * 13) % 256);
  const blocks = parseUf2(toUf2([{ address: 0x10000000, data: image }], 0xe48bff56));
  assert.equal(blocks.length, 3);
  blocks.forEach((block, n) => {
    assert.equal(block.flags, 0x2000); // familyID present
    assert.equal(block.address, 0x10000000 + n * 256);
    assert.equal(block.size, 256);
    assert.equal(block.blockNo, n);
    assert.equal(block.count, 3);
    assert.equal(block.family, 0xe48bff56);
    assert.ok(block.padding.every((b) => b === 0));
  });
  assert.deepEqual(blocks[0].data, image.slice(0, 256));
  assert.deepEqual(blocks[2].data.slice(0, 88), image.slice(512));
  assert.ok(blocks[2].data.slice(88).every((b) => b === 0));
});

/** A little ELF32 file with the given loadable segments (and a zero-size one, like .bss). */
function elf32(segments: { paddr: number; data: Uint8Array }[]): Uint8Array {
  const all = [...segments, { paddr: 0x20000000, data: new Uint8Array(0) }];
  const phoff = 52;
  let offset = phoff + all.length * 32;
  const out = new Uint8Array(offset + segments.reduce((n, s) => n + s.data.length, 0));
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 40, true); // EM_ARM
  v.setUint32(28, phoff, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, all.length, true);
  all.forEach((segment, i) => {
    const at = phoff + i * 32;
    v.setUint32(at, 1, true); // PT_LOAD
    v.setUint32(at + 4, offset, true);
    v.setUint32(at + 8, 0x20000000 + i * 0x1000, true); // vaddr differs from paddr
    v.setUint32(at + 12, segment.paddr, true);
    v.setUint32(at + 16, segment.data.length, true);
    v.setUint32(at + 20, segment.data.length + 64, true);
    out.set(segment.data, offset);
    offset += segment.data.length;
  });
  return out;
}

Deno.test("imageToUf2() puts an ELF file's loadable segments at their load addresses", () => {
  const code = new Uint8Array(10).fill(0xaa);
  const data = new Uint8Array(8).fill(0xbb);
  const elf = elf32([{ paddr: 0x10000000, data: code }, { paddr: 0x10000104, data }]);
  const blocks = parseUf2(imageToUf2(elf, "elf", 0xe48bff59, 0));
  assert.equal(blocks.length, 2);
  assert.deepEqual(blocks.map((b) => b.address), [0x10000000, 0x10000100]);
  assert.deepEqual(blocks[0].data.slice(0, 10), code);
  assert.deepEqual(blocks[1].data.slice(4, 12), data);
  assert.ok(blocks[1].data.slice(0, 4).every((b) => b === 0));
  assert.equal(blocks[1].family, 0xe48bff59);
  assert.throws(() => imageToUf2(new Uint8Array([0x3a]), "hex", 1, 0), /Intel HEX images cannot/);
});

async function driveDir(marker: string) {
  const dir = await Deno.makeTempDir();
  if (marker) {
    await Deno.writeTextFile(join(dir, marker), "UF2 Bootloader v3.0\nBoard-ID: RPI-RP2\n");
  }
  return dir;
}

function device(type: string, config: Record<string, unknown>) {
  return localDevice(
    exporterConfigFrom({ export: { flasher: { type, config } } }, Deno.cwd()),
  );
}

Deno.test("Uf2 (alias PiPicoFlasher) converts a .bin and copies it to the BOOTSEL drive", async () => {
  const drive = await driveDir("INFO_UF2.TXT");
  const image = join(drive, "blink.bin");
  const bytes = new Uint8Array(1000).map((_, i) => i % 256);
  await Deno.writeFile(image, bytes);
  {
    await using dut = await device("jumpstarter_driver_pi_pico.driver.PiPicoFlasher", {
      mount: drive,
    });
    const result = await dut.child<StorageClient>("flasher").flash<{ verified: boolean }>(image);
    assert.equal(result.verified, true);
  }
  const blocks = parseUf2(await Deno.readFile(join(drive, "firmware.uf2")));
  assert.equal(blocks.length, 4);
  assert.deepEqual(blocks.flatMap((b) => [...b.data]).slice(0, 1000), [...bytes]);
  assert.equal(blocks[3].address, 0x10000300);
  await Deno.remove(drive, { recursive: true });
});

Deno.test("Uf2 with no bootloader drive fails in one line after the wait", async () => {
  const drive = await driveDir(""); // a directory, but no INFO_UF2.TXT
  const image = join(drive, "x.bin");
  await Deno.writeFile(image, new Uint8Array(4));
  {
    await using dut = await device("flasher.Uf2", { mount: drive, bootloader_wait_seconds: 0.2 });
    await assert.rejects(
      dut.child<StorageClient>("flasher").flash(image),
      new RegExp(
        `^UnavailableError: No UF2 bootloader drive found at ${drive} within 0.2 s \\(no INFO_UF2.TXT or INDEX.HTM there\\)`,
      ),
    );
  }
  await Deno.remove(drive, { recursive: true });
});

Deno.test("StLinkMsd copies a .bin to the ST-Link drive and refuses ELF files", async () => {
  const drive = await driveDir("DETAILS.TXT");
  const image = join(drive, "app.bin");
  await Deno.writeFile(image, new Uint8Array(3000).fill(7));
  const elf = image.replace(".bin", ".elf");
  await Deno.writeFile(elf, elf32([{ paddr: 0x8000000, data: new Uint8Array(4) }]));
  {
    await using dut = await device("jumpstarter_driver_stlink_msd.driver.StlinkMsdFlasher", {
      mount: drive,
    });
    await dut.child<StorageClient>("flasher").flash(image);
    assert.deepEqual(
      await Deno.readFile(join(drive, "firmware.bin")),
      new Uint8Array(3000).fill(7),
    );
    await assert.rejects(
      dut.child<StorageClient>("flasher").flash(elf),
      /ST-Link mass storage takes .bin or .hex images, not elf: convert it with arm-none-eabi-objcopy/,
    );
  }
  await Deno.remove(drive, { recursive: true });
});
