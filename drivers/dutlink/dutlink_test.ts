/**
 * `dutlink.DutLink` against a DUT Link board played by the test on a pty:
 * it echoes each command line, answers as the board's firmware shell does
 * and ends with the `#> ` prompt. The card is a temporary file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { localDevice } from "../../testing.ts";
import type { PowerClient } from "../power/client.ts";
import type { StorageClient } from "../storage/client.ts";
import { PtyPair } from "../serial/pty.ts";
import { testContext } from "../virtual/_test_context.ts";
import { DutLink } from "./dutlink.ts";
import { parseMeter } from "./power.ts";
import { shellPort } from "./shell_port.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";

const ANSWERS: Record<string, string> = {
  "power on": "Device powered on",
  "power off": "Device powered off",
  "power rescue": "Device powered on to rescue",
  "storage host": "storage connected to host",
  "storage dut": "storage connected to device under test",
  "storage off": "storage disconnected",
  "meter read": "5.02V 0.31A 1.56W",
};

/** The board's shell on the pty master; `commands` lists what it ran. */
function dutLinkBoard(pty: PtyPair) {
  const commands: string[] = [];
  const done = (async () => {
    try {
      while (true) {
        const line = (await pty.readUntil("\r", 60_000)).replace(/^\n/, "").slice(0, -1);
        commands.push(line);
        const answer = ANSWERS[line] ?? "unsupported command";
        await pty.write(`${line}\r\n${answer}\r\n\r\n#> `);
      }
    } catch {
      // The pty closed.
    }
  })();
  return { commands, done };
}

Deno.test("DutLink switches power, reads the meter and flashes its storage through the shell", async () => {
  await using pty = PtyPair.open();
  const board = dutLinkBoard(pty);
  const dir = await Deno.makeTempDir();
  const card = join(dir, "card.img");
  await Deno.writeFile(card, new Uint8Array(0));
  const image = join(dir, "image.img");
  const bytes = new Uint8Array(200_000).map((_, i) => i * 7);
  await Deno.writeFile(image, bytes);
  const config = exporterConfigFrom({
    export: {
      dutlink: {
        type: "jumpstarter_driver_dutlink.driver.Dutlink",
        config: { port: pty.path, storage_device: card, timeout_s: 2 },
      },
    },
  }, Deno.cwd());
  {
    await using dut = await localDevice(config);
    const power = dut.child("dutlink").child<PowerClient>("power");
    await power.on();
    await power.call("rescue");
    await power.off();
    for await (const reading of power.read()) {
      assert.deepEqual(reading, { voltage: 5.02, current: 0.31 });
      break;
    }
    const storage = dut.child("dutlink").child<StorageClient>("storage");
    await storage.flash(image);
    assert.deepEqual(await Deno.readFile(card), bytes);
  }
  assert.deepEqual(board.commands, [
    "power on",
    "power rescue",
    "power off",
    "meter read",
    "storage host",
    "storage dut",
  ]);
  await pty.close();
  await board.done;
  await Deno.remove(dir, { recursive: true });
});

Deno.test("DutLink fails in one line when the port answers something else", async () => {
  await using pty = PtyPair.open();
  const board = dutLinkBoard(pty);
  ANSWERS["power on"] = "usage: power on|off|force-on|force-off|rescue";
  try {
    const link = new DutLink(
      { port: pty.path, storage_device: "/dev/null", timeout_s: 1 },
      testContext("dutlink"),
    );
    const power = link.children.get("power") as unknown as { on(): Promise<void> };
    await assert.rejects(
      power.on(),
      /^DriverError: DUT Link .* answered "usage: power on\|off\|force-on\|force-off\|rescue" to "power on"/,
    );
    await link.close();
  } finally {
    ANSWERS["power on"] = "Device powered on";
  }
  await pty.close();
  await board.done;
});

Deno.test("DutLink with no board answering times out naming the port and the prompt", async () => {
  await using pty = PtyPair.open(); // nothing plays the board
  const link = new DutLink(
    { port: pty.path, storage_device: "/dev/null", timeout_s: 0.3 },
    testContext("dutlink"),
  );
  const power = link.children.get("power") as unknown as { off(): Promise<void> };
  await assert.rejects(
    power.off(),
    /^DriverTimeoutError: No answer from \/dev\/pts\/\d+ within 0.3 s: expected the answer to "power off" and the #> prompt$/,
  );
  await link.close();
});

Deno.test("DutLink finds its shell by serial number under /dev/serial/by-id, or says it is missing", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "usb-Red_Hat_Inc._Jumpstarter_e6058905-if00"), "");
  const reader = (config: Record<string, unknown>) => new ConfigReader(config, "export.dutlink");
  assert.equal(
    shellPort(reader({ serial: "e6058905" }), dir),
    join(dir, "usb-Red_Hat_Inc._Jumpstarter_e6058905-if00"),
  );
  assert.throws(
    () => shellPort(reader({ serial: "0badc0de" }), dir),
    /^ConfigError: No DUT Link board with serial "0badc0de": no tty under .* names it/,
  );
  assert.throws(
    () => new DutLink({ storage_device: "/dev/null" }, testContext("dutlink")),
    (e: Error) => e instanceof ConfigError && /give serial .* or port/.test(e.message),
  );
  assert.deepEqual(parseMeter("4.98V 1.2A"), { voltage: 4.98, current: 1.2 });
  await Deno.remove(dir, { recursive: true });
});
