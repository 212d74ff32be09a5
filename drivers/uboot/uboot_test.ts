/**
 * `uboot.UbootConsole` driving a real U-Boot: Debian's `u-boot-qemu` build
 * for `qemu_arm64` on an aarch64 `qemu.Qemu` board (QEMU's virt machine,
 * TCG). Without qemu-system-aarch64 or the firmware the test skips, except
 * under CI=true, where it fails.
 */
import assert from "node:assert/strict";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { which } from "../qemu/which.ts";
import { UbootClient } from "./client.ts";
import { runEntry } from "../../tests/_fixtures/run.ts";

const CI = Deno.env.get("CI") === "true";
const ARM64_UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin";

async function missingParts(): Promise<string | undefined> {
  if (!await which("qemu-system-aarch64")) {
    return "qemu-system-aarch64 (apt-get install qemu-system-arm)";
  }
  if (!await Deno.stat(ARM64_UBOOT).catch(() => null)) {
    return `${ARM64_UBOOT} (apt-get install u-boot-qemu)`;
  }
  return undefined;
}
const missing = await missingParts();
if (missing && !CI) console.warn(`Skipping the U-Boot tests: ${missing} is not installed`);

Deno.test({
  name:
    "UbootConsole on an aarch64 QEMU board: stops autoboot, runs commands with status, reads and sets the environment",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and ${missing} is not installed`);
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        board: {
          type: "qemu.Qemu",
          config: { arch: "aarch64", bios: ARM64_UBOOT, memory: 256, network: { mode: "user" } },
        },
        uboot: {
          type: "jumpstarter_driver_uboot.driver.UbootConsole",
          children: { serial: { ref: "board.serial" }, power: { ref: "board.power" } },
        },
      },
    }, Deno.cwd()));
    const client = dut.child("uboot", UbootClient);
    assert.equal(await client.prompt(), "=>");
    await using uboot = await client.open({ cycle: true, timeout: 20_000 });

    const version = await uboot.run("version");
    assert.equal(version.status, 0);
    assert.match(version.output, /^U-Boot 20\d\d\.\d\d/m);
    assert.equal((await uboot.run("false")).status, 1);
    assert.equal((await uboot.run("test 1 -eq 1")).status, 0);
    await assert.rejects(uboot.check("itest 1 == 2"), /`itest 1 == 2` failed with status 1/);

    assert.equal(await uboot.getEnv("jumpstarter_test"), undefined);
    await uboot.setEnv("jumpstarter_test", "hello world");
    assert.equal(await uboot.getEnv("jumpstarter_test"), "hello world");
    const env = await uboot.env();
    assert.equal(env.jumpstarter_test, "hello world");
    assert.match(env.arch ?? "", /^arm$/);
    await uboot.setEnv("jumpstarter_test", undefined);
    assert.equal(await uboot.getEnv("jumpstarter_test"), undefined);
    await assert.rejects(uboot.setEnv("bad name", "x"), TypeError);

    // QEMU's user network answers U-Boot's DHCP.
    const lease = await uboot.dhcp();
    assert.equal(lease.ipaddr, "10.0.2.15");
    assert.equal(lease.serverip, "10.0.2.2");
  },
});

Deno.test({
  name: "jumpstarter uboot run prints a command's output and exits with its status",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and ${missing} is not installed`);
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-uboot-cli-" });
    try {
      const config = `${dir}/exporter.yaml`;
      await Deno.writeTextFile(
        config,
        `apiVersion: jumpstarter.dev/v1alpha1\nkind: ExporterConfig\nexport:\n` +
          `  board: {type: qemu.Qemu, config: {arch: aarch64, bios: ${ARM64_UBOOT}}}\n` +
          `  uboot: {type: uboot.UbootConsole, children: {serial: {ref: board.serial}, power: {ref: board.power}}}\n`,
      );
      const uboot = (...args: string[]) =>
        runEntry("cli.ts", ["--exporter-config", config, "uboot", ...args]);
      const version = await uboot("run", "version", "--cycle");
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, /^U-Boot 20\d\d\.\d\d/);
      const failed = await uboot("run", "itest 1 == 2", "--cycle");
      assert.equal(failed.code, 1, failed.stderr);
      const off = await uboot("run", "version", "--prompt-timeout", "2");
      assert.notEqual(off.code, 0);
      assert.match(off.stderr, /No U-Boot prompt "=>" on uboot within 2 s; is the board powered/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
