/** PySerial's upstream options: check_present, cps, disable_hupcl, socket:// and rfc2217:// URLs. */
import assert from "node:assert/strict";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import type { SerialClient } from "./client.ts";
import { PtyPair } from "./pty.ts";
import { escapeIac, rfc2217Greeting, TelnetDecoder } from "./rfc2217.ts";
import { networkTarget } from "./serial_device.ts";
import { HUPCL, readTtySettings } from "./termios.ts";

function board(config: Record<string, unknown>) {
  return exporterConfigFrom(
    { export: { serial: { type: "jumpstarter_driver_pyserial.driver.PySerial", config } } },
    Deno.cwd(),
  );
}

Deno.test("networkTarget() reads socket:// and rfc2217:// with a port, and nothing else", () => {
  assert.deepEqual(networkTarget("socket://lab-1:7000"), {
    kind: "socket",
    hostname: "lab-1",
    port: 7000,
  });
  assert.deepEqual(networkTarget("RFC2217://[::1]:2217"), {
    kind: "rfc2217",
    hostname: "::1",
    port: 2217,
  });
  for (const url of ["socket://lab", "rfc2217://:1", "loop://", "/dev/ttyS0", "socket://h:70000"]) {
    assert.equal(networkTarget(url), undefined, url);
  }
});

Deno.test("TelnetDecoder() strips commands across chunks, unescapes 0xFF and refuses options it does not take", () => {
  const decoder = new TelnetDecoder();
  const first = decoder.decode(new Uint8Array([0x61, 255, 255, 255, 253, 24, 255]));
  assert.deepEqual([...first.data], [0x61, 255]);
  assert.deepEqual([...first.reply], [255, 252, 24], "DO TERMINAL-TYPE: WONT");
  const second = decoder.decode(
    new Uint8Array([250, 44, 101, 0, 0, 255, 255, 255, 240, 0x62, 255, 251, 0]),
  );
  assert.deepEqual([...second.data], [0x62], "a subnegotiation is not data; WILL BINARY is ours");
  assert.deepEqual([...second.reply], []);
  assert.deepEqual([...escapeIac(new Uint8Array([1, 255, 2]))], [1, 255, 255, 2]);
  const greeting = [...rfc2217Greeting(115200)];
  const at = greeting.indexOf(44, greeting.indexOf(250));
  assert.deepEqual(
    greeting.slice(at, at + 6),
    [44, 1, 0, 1, 194, 0],
    "SET-BAUDRATE 115200, big-endian",
  );
});

/** A TCP server for one connection: records what arrives and sends `reply` once the first bytes came. */
function serve(reply: (first: Uint8Array) => Uint8Array) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: number[] = [];
  const done = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(4096);
    let replied = false;
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        received.push(...buffer.subarray(0, n));
        if (!replied) {
          replied = true;
          await conn.write(reply(buffer.subarray(0, n)));
        }
      }
    } catch { /* closed */ }
    conn.close();
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    received,
    async [Symbol.asyncDispose]() {
      listener.close();
      await done;
    },
  };
}

Deno.test("PySerial on socket:// carries raw bytes both ways over TCP", async () => {
  await using server = serve(() => new TextEncoder().encode("login: "));
  await using dut = await localDevice(board({ url: `socket://127.0.0.1:${server.port}` }));
  await using console = await (dut.serial as SerialClient).open();
  await console.send("root\n");
  await console.expect("login: ");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(new TextDecoder().decode(new Uint8Array(server.received)), "root\n");
});

Deno.test("PySerial on rfc2217:// negotiates the baud rate and escapes 0xFF both ways", async () => {
  // The server answers with a WILL, a notification and data holding an escaped 0xFF.
  await using server = serve(() =>
    new Uint8Array([255, 251, 0, 255, 250, 44, 101, 0, 0, 37, 128, 255, 240, 0x4f, 0x4b, 255, 255])
  );
  await using dut = await localDevice(
    board({ url: `rfc2217://127.0.0.1:${server.port}`, baudrate: 9600 }),
  );
  const stream = await (dut.serial as SerialClient).stream();
  const writer = stream.writable.getWriter();
  await writer.write(new Uint8Array([0x41, 255]));
  const reader = stream.readable.getReader();
  const got: number[] = [];
  while (got.length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    got.push(...value);
  }
  assert.deepEqual(got, [0x4f, 0x4b, 255]);
  await new Promise((r) => setTimeout(r, 100));
  const sent = server.received;
  const baud = sent.indexOf(44, sent.indexOf(250));
  assert.deepEqual(sent.slice(baud, baud + 6), [44, 1, 0, 0, 37, 128], "SET-BAUDRATE 9600");
  assert.deepEqual(sent.slice(-3), [0x41, 255, 255], "the data byte 0xFF is doubled");
  reader.releaseLock();
  writer.releaseLock();
  await stream.readable.cancel().catch(() => {});
  await stream.writable.close().catch(() => {});
});

Deno.test("PySerial check_present is true by default: a missing device stops the exporter's start", async () => {
  await assert.rejects(
    () => localDevice(board({ url: "/dev/serial/by-id/usb-nothing-here" })),
    /Cannot open serial port "\/dev\/serial\/by-id\/usb-nothing-here": no such device/,
  );
});

Deno.test("PySerial disable_hupcl clears HUPCL; cps paces what is written", async () => {
  await using pty = PtyPair.open();
  await using dut = await localDevice(board({ url: pty.path, disable_hupcl: true, cps: 200 }));
  await using console = await (dut.serial as SerialClient).open();
  assert.equal(readTtySettings(pty.path).cflag & HUPCL, 0, "HUPCL cleared");
  const started = Date.now();
  await console.send("0123456789012345678901234567890123456789\n"); // 41 characters at 200/s
  await pty.readUntil("0123456789012345678901234567890123456789");
  assert.ok(Date.now() - started >= 150, `took ${Date.now() - started} ms`);
});
