#!/usr/bin/env -S deno run -A
/**
 * Flashes a disk image onto the board of the current session, boots it, and
 * checks on the console that the board sees the same image.
 *
 *   jumpstarter run examples/flash_and_boot.ts [IMAGE]
 *
 * Without IMAGE it flashes a generated 8 MiB image.
 */
import { createHash } from "node:crypto";
import { env, type VirtualBoard } from "@jumpstarter/jumpstarter";

let image = Deno.args[0];
if (!image) {
  image = await Deno.makeTempFile({ suffix: ".img" });
  const data = new Uint8Array(8 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  await Deno.writeFile(image, data);
}
const expected = createHash("sha256").update(await Deno.readFile(image)).digest("hex");

await using dut = await env<VirtualBoard>();
await dut.power.off();
const flashed = await dut.storage.flash(image) as { sha256: string };
console.log(`flashed ${image}: sha256 ${flashed.sha256}`);

await using serial = await dut.serial.open();
await dut.power.on();
await serial.expect(/login: /, { timeout: 30_000 });
await serial.sendLine("root");
await serial.expect(/# $/);
const { output } = await serial.run("sha256sum /dev/mmcblk0");
const seen = output.trim().split(/\s+/)[0];
await dut.power.off();
if (seen !== expected) {
  console.error(`the board sees ${seen}, expected ${expected}`);
  Deno.exit(1);
}
console.log("the board booted and sees the flashed image");
