/**
 * `storage.SdWire` and `storage.UsbSdMux`: the card found by serial number
 * in a sysfs and /dev/disk/by-id tree built by the test (no mux here), the
 * switching tools played by stand-in programs recording their arguments
 * (`sd-mux-ctrl` is not packaged, `usbsdmux` is not installed here), and a
 * flash through the real storage path into a file standing in for the card.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { localDevice } from "../../testing.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { StorageClient } from "./client.ts";
import { SdWire, sdWireCard } from "./sdwire.ts";
import { UsbSdMux, usbSdMuxCard } from "./usbsdmux.ts";
import { blockDevicesBeside, scsiGenericOf } from "./usb_topology.ts";

/** A sysfs with an SDWire (controller 1-1.2.1, reader 1-1.2.2 as sdz) and another disk elsewhere. */
async function fakeSys(root: string) {
  const sys = join(root, "sys");
  const hub = join(sys, "devices/pci0000:00/usb1/1-1/1-1.2");
  const other = join(sys, "devices/pci0000:00/usb1/1-1/1-1.3");
  await Deno.mkdir(join(hub, "1-1.2.1"), { recursive: true });
  await Deno.writeTextFile(join(hub, "1-1.2.1/serial"), "sdw-7\n");
  await Deno.mkdir(join(hub, "1-1.2.2/1-1.2.2:1.0/host3/block/sdz/device/scsi_generic/sg4"), {
    recursive: true,
  });
  await Deno.mkdir(join(other, "1-1.3.1/host4/block/sdy"), { recursive: true });
  await Deno.mkdir(join(sys, "bus/usb/devices"), { recursive: true });
  await Deno.mkdir(join(sys, "block"), { recursive: true });
  await Deno.symlink(join(hub, "1-1.2.1"), join(sys, "bus/usb/devices/1-1.2.1"));
  await Deno.symlink(join(hub, "1-1.2.2/1-1.2.2:1.0/host3/block/sdz"), join(sys, "block/sdz"));
  await Deno.symlink(join(other, "1-1.3.1/host4/block/sdy"), join(sys, "block/sdy"));
  return sys;
}

/** A stand-in tool recording its arguments in `dir/calls`. */
async function standIn(dir: string, name: string) {
  const path = join(dir, name);
  await Deno.writeTextFile(path, `#!/bin/sh\necho "$*" >> "${dir}/calls"\n`);
  await Deno.chmod(path, 0o755);
  return {
    path,
    calls: async () => (await Deno.readTextFile(join(dir, "calls"))).trim().split("\n"),
  };
}

Deno.test("the SDWire's card is the block device beside its controller on the same hub", async () => {
  const root = await Deno.makeTempDir();
  const sys = await fakeSys(root);
  assert.deepEqual(blockDevicesBeside("sdw-7", sys, "/dev"), ["/dev/sdz"]);
  assert.deepEqual(blockDevicesBeside("sdw-8", sys, "/dev"), []);
  assert.equal(sdWireCard({ serial: "sdw-7" }, "export.sd", sys), "/dev/sdz");
  assert.throws(
    () => sdWireCard({ serial: "sdw-8" }, "export.sd", sys),
    (e: Error) =>
      e instanceof ConfigError &&
      /^No SDWire with serial "sdw-8" and a card reader beside it/.test(e.message),
  );
  assert.throws(() => sdWireCard({}, "export.sd", sys), /config.serial: expected a string/);
  assert.equal(scsiGenericOf(join(sys, "block/sdz"), sys, "/dev"), "/dev/sg4");
  await Deno.remove(root, { recursive: true });
});

Deno.test("SdWire (alias SDWire) flashes its card: sd-mux-ctrl --ts, write, --dut", async () => {
  const dir = await Deno.makeTempDir();
  const tool = await standIn(dir, "sd-mux-ctrl");
  const card = join(dir, "card.img");
  await Deno.writeFile(card, new Uint8Array(0));
  const image = join(dir, "image.img");
  const bytes = new Uint8Array(300_000).map((_, i) => i % 253);
  await Deno.writeFile(image, bytes);
  {
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        sd: {
          type: "jumpstarter_driver_sdwire.driver.SDWire",
          config: { serial: "sdw-7", storage_device: card, program: tool.path },
        },
      },
    }, Deno.cwd()));
    const storage = dut.child<StorageClient>("sd");
    const result = await storage.flash<{ verified: boolean }>(image);
    assert.equal(result.verified, true);
    await assert.rejects(storage.off(), /an SDWire has no off state; use host or dut/);
  }
  assert.deepEqual(await Deno.readFile(card), bytes);
  const ids = "--vendor=0x04e8 --product=0x6001";
  assert.deepEqual(await tool.calls(), [
    `--device-serial=sdw-7 ${ids} --ts`,
    `--device-serial=sdw-7 ${ids} --dut`,
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("UsbSdMux finds its card by serial under /dev/disk/by-id and switches with usbsdmux", async () => {
  const dir = await Deno.makeTempDir();
  const byId = join(dir, "by-id");
  await Deno.mkdir(byId);
  const card = join(dir, "card.img");
  await Deno.writeFile(card, new Uint8Array(0));
  await Deno.symlink(card, join(byId, "usb-LinuxAut_sdmux_HS-SD_MMC_000000000123-0:0"));
  assert.equal(
    usbSdMuxCard({ serial: "000000000123" }, "export.sd", byId),
    join(byId, "usb-LinuxAut_sdmux_HS-SD_MMC_000000000123-0:0"),
  );
  assert.throws(
    () => usbSdMuxCard({ serial: "000000000999" }, "export.sd", byId),
    /^ConfigError: No USB-SD-Mux with serial "000000000999" under \/dev\/disk\/by-id/,
  );
  const tool = await standIn(dir, "usbsdmux");
  const mux = new UsbSdMux(
    { storage_device: card, control: "/dev/sg9", program: tool.path },
    testContext("sd"),
  );
  await mux.host();
  await mux.off();
  await mux.dut();
  assert.deepEqual(await tool.calls(), ["/dev/sg9 host", "/dev/sg9 off", "/dev/sg9 dut"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SdWire and UsbSdMux without their tools fail naming them", async () => {
  const sd = new SdWire(
    { serial: "sdw-7", storage_device: "/dev/null", program: "sd-mux-ctrl-not-installed" },
    testContext("sd"),
  );
  await assert.rejects(
    sd.host(),
    /^FailedPreconditionError: "sd-mux-ctrl-not-installed" is not installed \(not found in PATH\): build sd-mux-ctrl/,
  );
  const mux = new UsbSdMux(
    { storage_device: "/dev/null", control: "/dev/sg0", program: "usbsdmux-not-installed" },
    testContext("sd"),
  );
  await assert.rejects(
    mux.dut(),
    /^FailedPreconditionError: "usbsdmux-not-installed" is not installed \(not found in PATH\): apt-get install usbsdmux/,
  );
});
