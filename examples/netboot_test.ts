/**
 * Network boot, end to end with real parts: a QEMU x86 board whose firmware
 * is U-Boot (Debian's `u-boot-qemu`) loads the test guest's kernel and
 * initramfs from the exporter's `network.TftpServer` with `tftpboot` and
 * boots them; a second board boots the same kernel through iPXE over HTTP
 * from `network.HttpServer`. The test logs in on each serial console.
 *
 * QEMU's user network answers TFTP to 10.0.2.2 with its own server, so the
 * TFTP path runs the exporter in a network namespace with a tap device: the
 * board on the tap, the TFTP server on the namespace's address, port 69.
 * The iPXE path uses user networking inside a namespace of its own (its
 * private loopback gives the HTTP server a fixed port).
 *
 *   bash scripts/build_test_guest.sh
 *   deno test -A examples/netboot_test.ts        # as root: it makes network namespaces
 *
 * Without root, QEMU, the firmware or the guest the tests skip with a
 * message, except under CI=true, where they fail.
 */
import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { connect, FileServerClient, UbootClient } from "@jumpstarter/jumpstarter";
import { SerialClient } from "../drivers/serial/client.ts";
import { PowerClient } from "../drivers/power/client.ts";
import { netnsExporter } from "./_netns_exporter.ts";

const CI = Deno.env.get("CI") === "true";
const ROOT = new URL("..", import.meta.url).pathname;
const GUEST = `${ROOT}.cache/guest`;
/** The 32-bit build: Debian's qemu-x86_64 U-Boot stops after "Loading bzImage" with this kernel. */
const UBOOT = "/usr/lib/u-boot/qemu-x86/u-boot.rom";

async function missingParts(): Promise<string | undefined> {
  const has = async (path: string) => await Deno.stat(path).then(() => true, () => false);
  if (Deno.uid() !== 0) return "root (the test makes network namespaces and tap devices)";
  for (
    const [path, what] of [
      ["/usr/bin/qemu-system-x86_64", "qemu-system-x86_64 (apt-get install qemu-system-x86)"],
      [UBOOT, `${UBOOT} (apt-get install u-boot-qemu)`],
      ["/usr/lib/ipxe/qemu/pxe-e1000.rom", "iPXE for QEMU (apt-get install ipxe-qemu)"],
      ["/dev/net/tun", "/dev/net/tun (tap devices)"],
      [`${GUEST}/vmlinuz`, `the test guest (bash scripts/build_test_guest.sh)`],
    ]
  ) {
    if (!await has(path)) return what;
  }
  return undefined;
}
const missing = await missingParts();
if (missing && !CI) console.warn(`Skipping the network boot tests: missing ${missing}`);

function netbootTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: missing !== undefined && !CI,
    async fn() {
      assert.ok(missing === undefined, `CI=true and missing ${missing}`);
      await fn();
    },
  });
}

netbootTest(
  "U-Boot loads the kernel from TftpServer with tftpboot, boots it, and the console logs in",
  async () => {
    await using exporter = await netnsExporter("tap", (dir) => `
export:
  board:
    type: qemu.Qemu
    config: { bios: ${UBOOT}, memory: 512, network: { tap: tap0 } }
  tftp:
    type: network.TftpServer
    config: { root: ${dir}/tftp, host: 192.168.77.1, port: 69 }
  uboot:
    type: uboot.UbootConsole
    children: { serial: { ref: board.serial }, power: { ref: board.power } }
`);
    await using dut = await connect(exporter.socket);
    const tftp = dut.child("tftp", FileServerClient);
    assert.equal(await tftp.address(), "tftp://192.168.77.1:69");
    await tftp.put(`${GUEST}/vmlinuz`, "vmlinuz");
    await tftp.put(`${GUEST}/initrd.img`, "boot/initrd.img");

    await using uboot = await dut.child("uboot", UbootClient).open({
      cycle: true,
      timeout: 30_000,
    });
    await uboot.setEnv("ipaddr", "192.168.77.2");
    await uboot.setEnv("netmask", "255.255.255.0");
    const kernelSize = await uboot.tftpboot("0x03000000", "vmlinuz", { serverip: "192.168.77.1" });
    assert.equal(kernelSize, (await Deno.stat(`${GUEST}/vmlinuz`)).size);
    const initrd = await Deno.readFile(`${GUEST}/initrd.img`);
    assert.equal(await uboot.tftpboot(0x05000000, "boot/initrd.img"), initrd.byteLength);
    // Byte-exact: U-Boot's crc32 of what it loaded is the file's.
    const crc = await uboot.check("crc32 0x05000000 ${filesize}");
    assert.match(crc, new RegExp(`==> ${crc32(initrd).toString(16).padStart(8, "0")}`));
    await uboot.setEnv("bootargs", "console=ttyS0 quiet panic=-1");
    const console = await uboot.boot("zboot 0x03000000 0 0x05000000 ${filesize}", {
      timeout: 120_000,
    });
    await console.sendLine("root");
    await console.expect("# ", { timeout: 30_000 });
    const { output, status } = await console.run("cat /proc/cmdline", { timeout: 30_000 });
    assert.equal(status, 0);
    assert.match(output, /console=ttyS0 quiet panic=-1/);
    await dut.child("board").child("power", PowerClient).off();
  },
);

netbootTest("iPXE boots the kernel over HTTP from HttpServer and the console logs in", async () => {
  await using exporter = await netnsExporter("user", (dir) => `
export:
  board:
    type: qemu.Qemu
    config:
      memory: 512
      network: { mode: user, bootfile: "http://10.0.2.2:8080/boot.ipxe" }
  http:
    type: network.HttpServer
    config: { root: ${dir}/www, host: 127.0.0.1, port: 8080 }
`);
  await using dut = await connect(exporter.socket);
  const http = dut.child("http", FileServerClient);
  await http.put(`${GUEST}/vmlinuz`, "vmlinuz");
  await http.put(`${GUEST}/initrd.img`, "initrd.img");
  const script = `${exporter.dir}/boot.ipxe`;
  await Deno.writeTextFile(
    script,
    "#!ipxe\nkernel http://10.0.2.2:8080/vmlinuz console=ttyS0 quiet panic=-1\n" +
      "initrd http://10.0.2.2:8080/initrd.img\nboot\n",
  );
  await http.put(script);
  assert.deepEqual((await http.list()).map((e) => e.name), ["boot.ipxe", "initrd.img", "vmlinuz"]);

  const board = dut.child("board");
  await using console = await board.child("serial", SerialClient).open({ timeout: 30_000 });
  await board.child("power", PowerClient).on();
  await console.expect(/login: /, { timeout: 120_000 });
  await console.sendLine("root");
  await console.expect("# ");
  const { output, status } = await console.run("cat /proc/cmdline");
  assert.equal(status, 0);
  assert.match(output, /console=ttyS0 quiet panic=-1/);
  await board.child("power", PowerClient).off();
});
