/**
 * serial.PySerial on real pseudo-terminals made by the test (PtyPair): the
 * master side plays the device, the slave is the port the driver opens.
 */
import assert from "node:assert/strict";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { duplexPair } from "../../src/driver/stream.ts";
import { readAll } from "../../src/driver/read_all.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError, UnavailableError } from "../../src/driver/errors.ts";
import { ROOT } from "../../tests/_fixtures/run.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { SerialClient } from "./client.ts";
import { PtyPair } from "./pty.ts";
import { PySerial } from "./pyserial.ts";
import { configureTty, readTtySettings } from "./termios.ts";
import { attachTerminal } from "./terminal.ts";
import { EscapeDetector } from "./escape_detector.ts";

function serialConfig(ports: Record<string, Record<string, unknown>>) {
  const exported = Object.fromEntries(
    Object.entries(ports).map(([name, config]) => [name, { type: "serial.PySerial", config }]),
  );
  return exporterConfigFrom({ export: exported }, Deno.cwd());
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("configureTty() applies raw mode and the baud rate, read back with tcgetattr", async () => {
  await using pty = PtyPair.open({ raw: false });
  const cooked = readTtySettings(pty.path);
  assert.equal(cooked.raw, false);
  assert.equal(cooked.canonical, true);
  const applied = configureTty(pty.path, { baudrate: 57600 });
  assert.deepEqual(readTtySettings(pty.path), applied);
  assert.equal(applied.raw, true);
  assert.equal(applied.echo, false);
  assert.equal(applied.baudrate, 57600);
  assert.equal(applied.inputBaudrate, 57600);
  assert.throws(() => configureTty(pty.path, { baudrate: 12345 }), /Unsupported baud rate 12345/);
});

Deno.test("PySerial connect() opens the port raw at the configured baud rate", async () => {
  await using pty = PtyPair.open({ raw: false, baudrate: 9600 });
  await using dut = await localDevice(
    serialConfig({ serial: { url: pty.path, baudrate: 230400 } }),
  );
  const serial = dut.serial as SerialClient;
  assert.equal(readTtySettings(pty.path).raw, false, "nothing is applied before a connection");
  const stream = await serial.stream();
  const settings = readTtySettings(pty.path);
  assert.equal(settings.raw, true);
  assert.equal(settings.baudrate, 230400);
  await stream.writable.close();
  await stream.readable.cancel();
});

Deno.test("PySerial connect() carries every byte value both ways through the exporter", async () => {
  await using pty = PtyPair.open();
  await using dut = await localDevice(serialConfig({ serial: { url: pty.path } }));
  const stream = await (dut.serial as SerialClient).stream();
  const sent = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + (i >> 8)) % 256);
  const writer = stream.writable.getWriter();
  await writer.write(sent);
  assert.deepEqual(await pty.readBytes(sent.byteLength, 10_000), sent, "client to device");

  const back = sent.slice().reverse();
  const reader = stream.readable.getReader();
  const arriving = (async () => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < back.byteLength) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    return await readAll(ReadableStream.from(chunks));
  })();
  await pty.write(back);
  assert.deepEqual(await arriving, back, "device to client, \\r and \\n untouched");
  await writer.close();
  await reader.cancel();
});

Deno.test("PySerial shares the port: every connection sees the output; the last close closes it", async () => {
  await using pty = PtyPair.open();
  const driver = new PySerial({ url: pty.path }, testContext("serial"));
  await driver.open();
  const first = await driver.connect();
  const second = await driver.connect();
  assert.equal(driver.port.connections, 2);
  await pty.write("to both\n");
  const readers = [first, second].map((d) => d.readable.getReader());
  for (const reader of readers) assert.equal(text((await reader.read()).value!), "to both\n");

  const writers = [first, second].map((d) => d.writable.getWriter());
  await writers[0].write(new TextEncoder().encode("one;"));
  await writers[1].write(new TextEncoder().encode("two;"));
  assert.equal(await pty.readUntil("two;"), "one;two;");

  await readers[0].cancel();
  assert.equal(driver.port.connections, 1);
  assert.equal(driver.port.isOpen, true);
  await readers[1].cancel();
  assert.equal(driver.port.connections, 0);
  await driver.close();
  assert.equal(driver.port.isOpen, false);
});

Deno.test("Console attaches, detaches and attaches again on a real pty", async () => {
  await using pty = PtyPair.open();
  await using dut = await localDevice(serialConfig({ serial: { url: pty.path } }));
  const serial = dut.serial as SerialClient;
  for (const round of [1, 2]) {
    await using console = await serial.open({ timeout: 5000 });
    await pty.write(`login ${round}: `);
    assert.equal((await console.expect(/login (\d): /)).captures[0], String(round));
    await console.sendLine("root");
    assert.equal(await pty.readUntil("\n"), "root\n");
  }
});

Deno.test("Console.expect() timing out shows the last 2 KB and saves the transcript", async () => {
  await using pty = PtyPair.open();
  await using dut = await localDevice(serialConfig({ serial: { url: pty.path } }));
  const dir = await Deno.makeTempDir();
  const transcriptFile = `${dir}/console.log`;
  try {
    const console = await (dut.serial as SerialClient).open({ transcriptFile });
    const boot = `${"x".repeat(3000)}\r\nKernel panic - not syncing\r\n`;
    await pty.write(boot);
    await console.expect("Kernel panic");
    await assert.rejects(console.expect("login:", { timeout: 100 }), (error: Error) => {
      assert.ok(error instanceof DriverTimeoutError);
      assert.match(error.message, /^Timed out after 100 ms waiting for "login:" on the console/);
      const shown = JSON.parse(error.message.match(/last output: (".*?") \(transcript/)![1]);
      assert.equal(shown.length, 2048);
      assert.ok(boot.endsWith(shown));
      assert.ok(error.message.endsWith(`(transcript saved to ${transcriptFile})`));
      return true;
    });
    assert.match(await Deno.readTextFile(transcriptFile), /< Kernel panic - not syncing\n$/);
    await console.sendLine("reboot");
    await console.close();
    assert.match(await Deno.readTextFile(transcriptFile), /> reboot\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PySerial on a path that does not exist fails in one line; the exporter keeps serving", async () => {
  await using pty = PtyPair.open();
  await using dut = await localDevice(
    serialConfig({
      missing: { url: "/dev/serial/by-id/usb-nothing-here", check_present: false },
      good: { url: pty.path },
    }),
  );
  await assert.rejects((dut.missing as SerialClient).stream(), (error: Error) => {
    assert.ok(error instanceof UnavailableError);
    assert.equal(
      error.message,
      'Cannot open serial port "/dev/serial/by-id/usb-nothing-here": no such device (is it plugged in? see ls -l /dev/serial/by-id/)',
    );
    return true;
  });
  await using console = await (dut.good as SerialClient).open();
  await pty.write("still serving\n");
  await console.expect("still serving");
});

Deno.test("PySerial on a port it may not open fails with permission denied", async () => {
  let path: string;
  let pty: PtyPair | undefined;
  if (Deno.uid() === 0) {
    // Root bypasses file modes; a read-only sysfs attribute refuses writers even to root.
    path = "/sys/devices/system/cpu/online";
    try {
      const file = Deno.openSync(path, { write: true });
      file.close();
      console.warn(`skipped: running as root and ${path} accepts writers here`);
      return;
    } catch (error) {
      if (!(error instanceof Deno.errors.PermissionDenied)) {
        console.warn(`skipped: running as root and ${path} fails otherwise (${error})`);
        return;
      }
    }
  } else {
    pty = PtyPair.open();
    path = pty.path;
    await Deno.chmod(path, 0o000);
  }
  try {
    await using dut = await localDevice(serialConfig({ serial: { url: path } }));
    for (const attempt of [1, 2]) {
      await assert.rejects((dut.serial as SerialClient).stream(), (error: Error) => {
        assert.ok(error instanceof DriverError, `attempt ${attempt}`);
        assert.equal(error.code, "permission_denied");
        assert.equal(
          error.message,
          `Cannot open serial port "${path}": permission denied (add the exporter's user to the device's group, e.g. dialout)`,
        );
        return true;
      });
    }
  } finally {
    await pty?.close();
  }
});

Deno.test("PySerial rejects a bad config in one line naming the key", () => {
  const make = (config: Record<string, unknown>) => () =>
    new PySerial(config, testContext("serial"));
  assert.throws(
    make({}),
    new ConfigError(
      "Invalid config export.serial.config.url: expected a string (this key is required), got undefined",
    ),
  );
  assert.throws(
    make({ url: "/dev/ttyUSB0", baudrate: 12345 }),
    /baudrate: 12345 is not a supported rate/,
  );
  assert.throws(
    make({ url: "loop://" }),
    new ConfigError(
      'Invalid config export.serial.config.url: "loop://" is not supported; use a device path (e.g. /dev/ttyUSB0), socket://HOST:PORT or rfc2217://HOST:PORT',
    ),
  );
  assert.throws(
    make({ url: "/dev/ttyUSB0", cps: 0 }),
    /config\.cps: expected characters per second > 0/,
  );
  assert.throws(make({ url: "/dev/ttyUSB0", disable_hupcl: "yes" }), /config\.disable_hupcl/);
});

Deno.test("EscapeDetector() detaches on three Ctrl-B in a row, across chunks, and passes others through", () => {
  const escape = new EscapeDetector();
  assert.deepEqual(escape.feed(new Uint8Array([0x61, 0x02])), {
    send: new Uint8Array([0x61]),
    detach: false,
  });
  assert.deepEqual(escape.feed(new Uint8Array([0x02, 0x62])), {
    send: new Uint8Array([0x02, 0x02, 0x62]),
    detach: false,
  });
  escape.feed(new Uint8Array([0x02]));
  assert.deepEqual(escape.flush(), new Uint8Array([0x02]));
  escape.feed(new Uint8Array([0x02, 0x02]));
  assert.deepEqual(escape.feed(new Uint8Array([0x02, 0x63])), {
    send: new Uint8Array([]),
    detach: true,
  });
});

Deno.test("attachTerminal() restores the terminal mode however it ends", async () => {
  for (const ending of ["escape", "console-ended", "signal", "input-ended"] as const) {
    const [near, far] = duplexPair();
    const modes: boolean[] = [];
    const input = new TransformStream<Uint8Array, Uint8Array>();
    const typed = input.writable.getWriter();
    const output: string[] = [];
    const stop = new AbortController();
    const attached = attachTerminal(near, {
      input: input.readable,
      write: (bytes) => Promise.resolve(output.push(text(bytes))),
      setRaw: (raw) => modes.push(raw),
      signal: stop.signal,
    });
    const device = far.writable.getWriter();
    await device.write(new TextEncoder().encode("hi"));
    const farReader = far.readable.getReader();
    await typed.write(new TextEncoder().encode("k"));
    assert.equal(text((await farReader.read()).value!), "k");
    if (ending === "escape") await typed.write(new Uint8Array([2, 2, 2]));
    if (ending === "console-ended") await device.close();
    if (ending === "signal") stop.abort();
    if (ending === "input-ended") await typed.close();
    assert.equal(await attached, ending);
    assert.deepEqual(modes, [true, false], ending);
    assert.deepEqual(output, ["hi"]);
    await typed.close().catch(() => {});
    await device.close().catch(() => {});
    await farReader.cancel();
  }
});

Deno.test("jumpstarter serial console: keys both ways, Ctrl-B three times exits 0, tty restored", async () => {
  await using device = PtyPair.open();
  await using terminal = PtyPair.open({ raw: false });
  const before = readTtySettings(terminal.path);
  const dir = await Deno.makeTempDir();
  const config = `${dir}/serial.yaml`;
  await Deno.writeTextFile(
    config,
    `export:\n  serial:\n    type: serial.PySerial\n    config: {url: "${device.path}", baudrate: 9600}\n`,
  );
  try {
    // The shell opens the pty as the CLI's stdin and stdout, as a user's terminal would be.
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        `exec "$0" run -A "$1" --exporter-config "$2" serial console <"$3" >"$3"`,
        Deno.execPath(),
        `${ROOT}/cli.ts`,
        config,
        terminal.path,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    await device.write("login: ");
    await terminal.readUntil("login: ", 30_000);
    const during = readTtySettings(terminal.path);
    assert.equal(during.canonical, false, "raw while attached");
    assert.equal(during.echo, false);
    await terminal.write("root\r\x03");
    assert.equal(await device.readUntil("\x03"), "root\r\x03", "Enter and Ctrl-C go to the device");
    await terminal.write("\x02\x02\x02");
    const ran = await output;
    const stderr = text(ran.stderr);
    assert.equal(ran.code, 0, stderr);
    assert.match(stderr, /Press Ctrl-B three times to exit/);
    assert.match(stderr, /Disconnected from "serial"/);
    const after = readTtySettings(terminal.path);
    assert.equal(after.lflag, before.lflag, "local modes restored");
    assert.equal(after.iflag, before.iflag, "input modes restored");
    assert.equal(after.canonical, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jumpstarter serial console without a terminal: one line, exit 2", async () => {
  await using device = PtyPair.open();
  const dir = await Deno.makeTempDir();
  const config = `${dir}/serial.yaml`;
  await Deno.writeTextFile(
    config,
    `export:\n  serial:\n    type: serial.PySerial\n    config: {url: "${device.path}"}\n`,
  );
  try {
    const ran = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}/cli.ts`, "--exporter-config", config, "serial", "console"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(ran.code, 2);
    assert.equal(
      text(ran.stderr),
      'Error: serial console needs a terminal on stdin; use "serial pipe" for pipes and files\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
