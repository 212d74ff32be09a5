/**
 * A QEMU board on user networking with a port forward (`hostfwd`): a
 * `network.TcpNetwork` on the forwarded host port reaches a server in the
 * guest, the way `jumpstarter ssh` reaches a guest's sshd. Needs the test
 * guest with its virtio NIC driver (scripts/build_test_guest.sh); skipped
 * without it, failing instead under CI=true. `JUMPSTARTER_TEST_GUEST` points
 * at another guest directory.
 */
import assert from "node:assert/strict";
import { ROOT } from "../../tests/_fixtures/run.ts";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { NetworkClient } from "../network/client.ts";
import { PowerClient } from "../power/client.ts";
import { SerialClient } from "../serial/client.ts";
import { which } from "./which.ts";

const CI = Deno.env.get("CI") === "true";
const GUEST = Deno.env.get("JUMPSTARTER_TEST_GUEST") ?? `${ROOT}/.cache/guest`;

async function missingParts(): Promise<string | undefined> {
  if (!await which("qemu-system-x86_64")) {
    return "qemu-system-x86_64 (apt-get install qemu-system-x86)";
  }
  if (!await Deno.stat(`${GUEST}/modules/virtio_net.ko`).catch(() => null)) {
    return `a test guest with its NIC driver in ${GUEST} (bash scripts/build_test_guest.sh)`;
  }
  return undefined;
}
const missing = await missingParts();
if (missing && !CI) console.warn(`Skipping the QEMU port forward test: missing ${missing}`);

Deno.test({
  name:
    "qemu.Qemu network hostfwd: a TcpNetwork on the forwarded port reaches a server in the guest",
  ignore: missing !== undefined && !CI,
  async fn() {
    assert.ok(missing === undefined, `CI=true and missing ${missing}`);
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        board: {
          type: "qemu.Qemu",
          config: {
            kernel: `${GUEST}/vmlinuz`,
            initrd: `${GUEST}/initrd.img`,
            append: "console=ttyS0 quiet panic=-1",
            network: {
              mode: "user",
              model: "virtio-net-pci",
              hostfwd: [`tcp:127.0.0.1:${port}-:8080`],
            },
          },
        },
        ssh: { type: "network.TcpNetwork", config: { host: "127.0.0.1", port } },
      },
    }, Deno.cwd()));
    const board = dut.child("board");
    await using console = await board.child("serial", SerialClient).open({ timeout: 60_000 });
    await board.child("power", PowerClient).on();
    await console.expect(/login: /);
    await console.sendLine("root");
    await console.expect("# ");
    // QEMU's user network: the guest is 10.0.2.15/24.
    const up = await console.run(
      "ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && httpd -p 8080 -h /etc",
    );
    assert.equal(up.status, 0, up.output);

    const stream = await dut.child("ssh", NetworkClient).connect();
    const writer = stream.writable.getWriter();
    await writer.write(new TextEncoder().encode("GET /hostname HTTP/1.0\r\n\r\n"));
    const reply = await new Response(stream.readable).text();
    await writer.close().catch(() => {});
    assert.match(reply, /^HTTP\/1\.[01] 200/);
    assert.match(reply, /jumpstarter-guest/);
    await board.child("power", PowerClient).off();
  },
});
