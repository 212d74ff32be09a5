import assert from "node:assert/strict";
import { ConfigError } from "../../src/driver/config_check.ts";
import { testContext } from "../virtual/_test_context.ts";
import { archArgs } from "./arch.ts";
import { networkArgs, networkOptions, parseForward } from "./network.ts";

const context = testContext("export.board");

Deno.test("parseForward() reads QEMU's hostfwd notation, defaults tcp and 127.0.0.1", () => {
  assert.deepEqual(parseForward("tcp:127.0.0.1:2222-:22", "x"), {
    protocol: "tcp",
    hostAddress: "127.0.0.1",
    hostPort: 2222,
    guestPort: 22,
  });
  assert.deepEqual(parseForward("udp::5353-:53", "x"), {
    protocol: "udp",
    hostAddress: "127.0.0.1",
    hostPort: 5353,
    guestPort: 53,
  });
  assert.deepEqual(parseForward("8080-80", "x").hostPort, 8080);
  assert.throws(
    () => parseForward("2222:22", "x"),
    /expected "\[tcp\|udp:\]\[HOSTADDR:\]HOSTPORT-GUESTPORT"/,
  );
  assert.throws(() => parseForward("tcp::70000-:22", "x"), ConfigError);
});

Deno.test("networkArgs() builds user, tap and no network", () => {
  const user = networkOptions(
    { hostfwd: ["tcp:127.0.0.1:2222-:22"], bootfile: "http://10.0.2.2:8080/boot.ipxe" },
    context,
  );
  assert.deepEqual(networkArgs(user, "e1000"), [
    "-netdev",
    "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,bootfile=http://10.0.2.2:8080/boot.ipxe",
    "-device",
    "e1000,netdev=net0",
  ]);
  const tap = networkOptions({ tap: "tap0", model: "virtio-net-pci" }, context);
  assert.deepEqual(networkArgs(tap, "e1000"), [
    "-netdev",
    "tap,id=net0,ifname=tap0,script=no,downscript=no",
    "-device",
    "virtio-net-pci,netdev=net0",
  ]);
  assert.deepEqual(networkArgs(networkOptions(undefined, context), "e1000"), []);
  assert.throws(
    () => networkOptions({ tap: "tap0,script=/bin/evil" }, context),
    /\.tap: expected the name/,
  );
  assert.throws(() => networkOptions({ bootfile: "a,b" }, context), /bootfile/);
  assert.throws(
    () => networkOptions({ hostfwd: "tcp::1-:2" }, context),
    /hostfwd: expected a list/,
  );
  assert.throws(
    () => networkOptions({ mode: "bridge" }, context),
    /mode: expected none, user or tap/,
  );
  assert.throws(() => networkOptions({ ports: [] }, context), /\.ports: unknown key/);
});

Deno.test("archArgs() gives aarch64 the virt machine and a CPU under TCG, and passes the bios", () => {
  assert.deepEqual(archArgs({ arch: "aarch64", bios: "/fw.bin" }, "tcg"), [
    "-machine",
    "virt",
    "-cpu",
    "cortex-a57",
    "-bios",
    "/fw.bin",
  ]);
  assert.deepEqual(archArgs({ arch: "x86_64" }, "kvm"), []);
});
