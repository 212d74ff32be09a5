/**
 * `power.SerialRelay` against a relay board played by the test on a pty:
 * it reads the four command bytes, checks the checksum and answers `FF`
 * with its status text, as NOYITO/LCUS boards do.
 */
import assert from "node:assert/strict";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { localDevice } from "../../testing.ts";
import type { PowerClient } from "../power/client.ts";
import { PtyPair } from "../serial/pty.ts";
import { testContext } from "../virtual/_test_context.ts";
import { SerialRelay } from "./serial_relay.ts";

/** A two-channel board on a pty; returns its relay states and stops with the pty. */
function relayBoard(pty: PtyPair, channels = 2) {
  const relays = new Array<boolean>(channels + 1).fill(false);
  const seen: number[][] = [];
  const done = (async () => {
    try {
      while (true) {
        const [first] = await pty.readBytes(1, 60_000);
        if (first === 0xff) {
          const text = relays.slice(1).map((on, i) => `CH${i + 1}:${on ? "ON" : "OFF"}\r\n`);
          await pty.write(text.join(""));
          continue;
        }
        const [channel, state, sum] = await pty.readBytes(3);
        seen.push([first, channel, state, sum]);
        if (first === 0xa0 && sum === ((0xa0 + channel + state) & 0xff) && channel <= channels) {
          relays[channel] = state === 1;
        }
      }
    } catch {
      // The pty closed: the test is over.
    }
  })();
  return { relays, seen, done };
}

Deno.test("SerialRelay with upstream's NoyitoPowerSerial config switches channel 2 on a pty board", async () => {
  await using pty = PtyPair.open({ baudrate: 9600 });
  const board = relayBoard(pty);
  const config = exporterConfigFrom({
    export: {
      power: {
        type: "jumpstarter_driver_noyito_relay.driver.NoyitoPowerSerial",
        config: { port: pty.path, channel: 2 },
      },
    },
  }, Deno.cwd());
  {
    await using dut = await localDevice(config);
    const power = dut.child<PowerClient>("power");
    await power.on();
    await assertEventually(() => board.relays[2] === true);
    assert.deepEqual(board.seen, [[0xa0, 2, 1, 0xa3]]);
    assert.equal(await power.call("status"), "on");
    await power.off();
    await assertEventually(() => board.relays[2] === false);
    assert.deepEqual(board.seen.at(-1), [0xa0, 2, 0, 0xa2]);
    assert.equal(board.relays[1], false);
  }
  await pty.close();
  await board.done;
});

Deno.test("SerialRelay all_channels switches every channel and verify reads the state back", async () => {
  await using pty = PtyPair.open({ baudrate: 9600 });
  const board = relayBoard(pty);
  const relay = new SerialRelay(
    { port: pty.path, all_channels: true, verify: true },
    testContext("power"),
  );
  await relay.on();
  assert.deepEqual(board.relays.slice(1), [true, true]);
  assert.equal(await relay.status(), "on");
  await relay.off();
  assert.deepEqual(board.relays.slice(1), [false, false]);
  await relay.close();
  await pty.close();
  await board.done;
});

Deno.test("SerialRelay verify fails in one line when the board does not switch", async () => {
  await using pty = PtyPair.open({ baudrate: 9600 });
  const board = relayBoard(pty, 1); // a one-channel board ignores channel 2
  const relay = new SerialRelay(
    { port: pty.path, channel: 2, verify: true, timeout: 0.3 },
    testContext("power"),
  );
  await assert.rejects(
    relay.on(),
    /^DriverTimeoutError: No answer from .* within 0.3 s: expected a status line for CH2$/,
  );
  await relay.close();
  await pty.close();
  await board.done;
});

Deno.test("SerialRelay on a missing port fails naming the port", async () => {
  const relay = new SerialRelay({ port: "/dev/ttyUSB-no-such-relay" }, testContext("power"));
  await assert.rejects(relay.on(), /Cannot open serial port "\/dev\/ttyUSB-no-such-relay": /);
  assert.throws(
    () => new SerialRelay({ port: "/dev/x", channel: 3 }, testContext("power")),
    /config.channel: expected 1..2 \(the board's channels\), got 3/,
  );
  assert.throws(() => new SerialRelay({}, testContext("power")), /config.port: expected a string/);
});

async function assertEventually(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) assert.fail("the relay board did not switch");
    await new Promise((r) => setTimeout(r, 10));
  }
}
