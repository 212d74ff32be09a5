import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError, FailedPreconditionError } from "../../src/driver/errors.ts";
import { Console } from "../serial/console.ts";
import { testContext } from "./_test_context.ts";
import { Board } from "./board.ts";
import type { VirtualConsole } from "./console.ts";
import type { VirtualPower } from "./power.ts";
import type { VirtualStorage } from "./storage.ts";

/** A virtual board with open parts; disposing closes them like the exporter does. */
async function openBoard(config: Record<string, unknown> = {}) {
  const dir = await Deno.makeTempDir();
  const context = testContext("dut", dir);
  const board = new Board({ bootDelay: 40, ...config }, context);
  const parts = [...board.children.values()];
  for (const part of parts) await part.open();
  const consoles: Console[] = [];
  return {
    board,
    context,
    dir,
    power: board.children.get("power") as VirtualPower,
    serial: board.children.get("serial") as VirtualConsole,
    storage: board.children.get("storage") as VirtualStorage,
    /** A console on a new connection (closed with the board). */
    console(): Console {
      const console = new Console((board.children.get("serial") as VirtualConsole).connect(), {
        timeout: 2000,
      });
      consoles.push(console);
      return console;
    },
    async [Symbol.asyncDispose]() {
      for (const console of consoles) await console.close();
      for (const part of parts.reverse()) await part.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function login(console: Console): Promise<void> {
  await console.expect(/virtual-board login: $/);
  await console.sendLine("root");
  await console.expect(/root@virtual-board:~# $/);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** 1 MiB of deterministic bytes, served in 64 KiB chunks; `failAt` errors the stream there. */
function imageStream(bytes: Uint8Array, failAt?: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAt !== undefined && offset >= failAt) {
        controller.error(new Error("connection lost"));
      } else if (offset >= bytes.byteLength) {
        controller.close();
      } else {
        controller.enqueue(bytes.slice(offset, offset += 65536));
      }
    },
  });
}

function image(seed: number, size = 1024 * 1024): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

Deno.test("Board adds power, serial and storage with upstream client labels", async () => {
  await using dut = await openBoard();
  assert.deepEqual([...dut.board.children.keys()], ["power", "serial", "storage"]);
  assert.equal(dut.board.clientLabel(), "jumpstarter_driver_composite.client.CompositeClient");
  assert.equal(dut.power.clientLabel(), "jumpstarter_driver_power.client.PowerClient");
  assert.equal(dut.serial.clientLabel(), "jumpstarter_driver_pyserial.client.PySerialClient");
  assert.equal(
    dut.storage.clientLabel(),
    "jumpstarter_driver_opendal.client.StorageMuxFlasherClient",
  );
  assert.equal(dut.power.board, dut.serial.board);
  assert.equal(dut.storage.board, dut.serial.board);
  assert.equal(dut.storage.context.path, "export.dut.children.storage");
  assert.deepEqual([...dut.storage.methods().keys()].sort(), [
    "dut",
    "flash",
    "host",
    "info",
    "off",
    "write",
  ]);
});

Deno.test("virtual board boots to a login prompt and runs shell commands", async () => {
  await using dut = await openBoard();
  const console = dut.console();
  dut.power.on();
  const prompt = await console.expect(/virtual-board login: $/);
  assert.match(prompt.before, /U-Boot 2024\.01-virtual/);
  assert.match(prompt.before, /\[ {4}0\.000000\] Linux version 6\.1\.0-virtual /);
  assert.match(prompt.before, /\[ {4}0\.\d{6}\] Run \/sbin\/init as init process\r\n/);
  await console.sendLine("root");
  await console.expect(/root@virtual-board:~# $/);

  const prompt_ = /# $/;
  assert.deepEqual(await console.run("echo hello", { prompt: prompt_ }), {
    output: "hello",
    status: 0,
  });
  assert.deepEqual(await console.run("false; echo $?", { prompt: prompt_ }), {
    output: "1",
    status: 0,
  });
  assert.deepEqual(await console.run("false", { prompt: prompt_ }), { output: "", status: 1 });
  assert.deepEqual(await console.run("true && echo 'a  b' || echo no", { prompt: prompt_ }), {
    output: "a  b",
    status: 0,
  });
  assert.deepEqual(await console.run("frobnicate --now", { prompt: prompt_ }), {
    output: "sh: frobnicate: not found",
    status: 127,
  });
  const uname = await console.run("uname -a", { prompt: prompt_ });
  assert.match(uname.output, /^Linux virtual-board 6\.1\.0-virtual #1 SMP .* aarch64 GNU\/Linux$/);
  assert.match((await console.run("cat /proc/version")).output, /^Linux version 6\.1\.0-virtual/);
  assert.match((await console.run("uptime")).output, /up 0 min, {2}1 user/);
  assert.match((await console.run("ls /")).output, /^bin {2}dev {2}etc/);
  assert.match((await console.run("help")).output, /sha256sum/);
  assert.equal((await console.run('echo "$USER" on $HOSTNAME')).output, "root on virtual-board");

  dut.power.off();
  assert.equal(dut.serial.board.phase, "off");
  await console.sendLine("echo still there?");
  await assert.rejects(console.expect("still", { timeout: 100 }), DriverTimeoutError);
});

Deno.test("virtual board tty echoes, edits lines and returns to login on exit", async () => {
  await using dut = await openBoard({ bootDelay: 0 });
  const console = dut.console();
  dut.power.on();
  await console.expect("login: ");
  await console.send("\r");
  await console.expect(/\r\nvirtual-board login: $/);
  await console.send("rooX\x7ft\r\n");
  await console.expect("rooX\b \bt\r\nroot@virtual-board:~# ");
  await console.send("ech\x03");
  await console.expect("ech^C\r\nroot@virtual-board:~# ");
  await console.sendLine("exit");
  await console.expect(/logout\r\n\r\nvirtual-board login: $/);
  await console.sendLine("guest");
  await console.expect("guest@virtual-board:~$ ");
});

Deno.test("virtual board ignores input while booting and after poweroff", async () => {
  await using dut = await openBoard({ bootDelay: 100 });
  const console = dut.console();
  dut.power.on();
  await console.sendLine("root");
  const boot = await console.expect(/login: $/);
  assert.ok(!boot.before.includes("root\r\n"), "typing while booting is lost");
  await console.sendLine("root");
  await console.expect("# ");
  await console.sendLine("poweroff");
  await console.expect(/\] reboot: Power down\r\n$/);
  assert.equal(dut.power.board.powered, false);
  const readings = dut.power.read();
  assert.deepEqual((await readings.next()).value, { voltage: 0, current: 0 });
  await readings.return(undefined);
});

Deno.test("virtual board reboot boots again", async () => {
  await using dut = await openBoard({ bootDelay: 0 });
  const console = dut.console();
  dut.power.on();
  await login(console);
  await console.sendLine("reboot");
  await console.expect("reboot: Restarting system\r\n");
  await console.expect("U-Boot");
  await login(console);
  assert.equal(dut.power.board.phase, "running");
});

Deno.test("virtual console streams: every connection sees output, closing one keeps the others", async () => {
  await using dut = await openBoard({ bootDelay: 0 });
  const first = dut.console();
  const second = dut.console();
  assert.equal(dut.serial.connections, 2);
  dut.power.on();
  await first.expect("login: ");
  await second.expect("login: ");
  await first.close();
  assert.equal(dut.serial.connections, 1);
  await second.sendLine("root");
  await second.expect("# ");
  const third = dut.console();
  await third.sendLine("echo late");
  await third.expect("late\r\n");
});

Deno.test("virtual console stream: aborting the input leaves the output connected", async () => {
  await using dut = await openBoard({ bootDelay: 0 });
  const stream = dut.serial.connect();
  await stream.writable.abort(new Error("input gone"));
  assert.equal(dut.serial.connections, 1);
  const reader = stream.readable.getReader();
  dut.power.on();
  assert.match(new TextDecoder().decode((await reader.read()).value), /U-Boot/);
  await reader.cancel();
  assert.equal(dut.serial.connections, 0);
});

Deno.test("VirtualPower read() follows the boot: more current while booting", async () => {
  await using dut = await openBoard({ bootDelay: 200 });
  const readings = dut.power.read();
  assert.deepEqual((await readings.next()).value, { voltage: 0, current: 0 });
  dut.power.on();
  assert.equal(dut.power.board.current(), 0.9);
  await readings.return(undefined);
  dut.power.reset();
  assert.equal(dut.power.board.powered, false);
});

Deno.test("VirtualStorage writes a 1 MiB upload and the board's sha256sum matches", async () => {
  await using dut = await openBoard({ bootDelay: 0 });
  const bytes = image(1);
  const result = await dut.storage.write(dut.context.addResource(imageStream(bytes)));
  assert.deepEqual(result, { size: bytes.byteLength, sha256: sha256(bytes) });
  assert.deepEqual(dut.storage.info(), {
    size: bytes.byteLength,
    sha256: sha256(bytes),
    mux: "dut",
  });
  assert.deepEqual(await Deno.readFile(dut.storage.path), bytes);

  const console = dut.console();
  dut.power.on();
  const boot = await console.expect("login: ");
  assert.match(boot.before, /mmcblk0: mmc0:0001 VIRT0 1\.0 MiB/);
  await console.sendLine("root");
  await console.expect("# ");
  const sum = await console.run("sha256sum /dev/mmcblk0");
  assert.deepEqual(sum, { output: `${sha256(bytes)}  /dev/mmcblk0`, status: 0 });

  dut.storage.host();
  const hidden = await console.run("sha256sum /dev/mmcblk0");
  assert.deepEqual(hidden, {
    output: "sha256sum: /dev/mmcblk0: No such device or address",
    status: 1,
  });
});

Deno.test("VirtualStorage refuses a write while the powered board uses the disk", async () => {
  await using dut = await openBoard({ bootDelay: 0 });
  dut.power.on();
  const upload = imageStream(image(2));
  await assert.rejects(
    dut.storage.write(dut.context.addResource(upload)),
    (error: Error) =>
      error instanceof FailedPreconditionError &&
      /switch the storage to host first/.test(error.message),
  );
  assert.equal(upload.locked, false, "the refused upload was cancelled, not left hanging");
  dut.storage.host();
  const result = await dut.storage.write(dut.context.addResource(imageStream(image(2))));
  assert.equal(result.sha256, sha256(image(2)));
});

Deno.test("VirtualStorage keeps the old image when an upload fails midway", async () => {
  await using dut = await openBoard();
  const old = image(3);
  await dut.storage.write(dut.context.addResource(imageStream(old)));
  await assert.rejects(
    dut.storage.write(dut.context.addResource(imageStream(image(4), 512 * 1024))),
    (error: Error) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, "aborted");
      assert.match(
        error.message,
        /failed after 524288 bytes, the previous image was kept: connection lost/,
      );
      return true;
    },
  );
  assert.deepEqual(await Deno.readFile(dut.storage.path), old);
  assert.equal(dut.storage.info().sha256, sha256(old));
  const leftovers = (await Array.fromAsync(Deno.readDir(dirnameOf(dut.storage.path))))
    .filter((entry) => entry.name.endsWith(".partial"));
  assert.deepEqual(leftovers, []);
});

Deno.test("VirtualStorage close() ends a write whose upload stalled and keeps the old image", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const old = image(7, 4096);
    await Deno.writeFile(`${dir}/disk.img`, old);
    const context = testContext("disk", dir);
    const { VirtualStorage } = await import("./storage.ts");
    const storage = new VirtualStorage({ path: "disk.img", board: "stalled" }, context);
    await storage.open();
    let cancelled: unknown;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(image(8, 1000));
      },
      // No more data and no end: the client went quiet.
      cancel(reason) {
        cancelled = reason;
      },
    });
    const writing = storage.write(context.addResource(stalled));
    writing.catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    await storage.close();
    await assert.rejects(writing, (error: Error) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, "aborted");
      assert.match(
        error.message,
        /^Write to the virtual disk failed after 1000 bytes, the previous image was kept: export\.disk was closed$/,
      );
      return true;
    });
    assert.ok(cancelled instanceof DOMException, "the upload was cancelled");
    assert.deepEqual(await Deno.readFile(`${dir}/disk.img`), old);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["disk.img"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("VirtualStorage flash() writes through the mux and leaves the disk on the board", async () => {
  await using dut = await openBoard({ path: "disk.img" });
  assert.equal(dut.storage.path, `${dut.dir}/disk.img`);
  dut.storage.off();
  const bytes = image(5, 300_000);
  const result = await dut.storage.flash(dut.context.addResource(imageStream(bytes)), null);
  assert.deepEqual(result, { size: 300_000, sha256: sha256(bytes) });
  assert.equal(dut.storage.info().mux, "dut");
  assert.deepEqual(await Deno.readFile(`${dut.dir}/disk.img`), bytes);
  await assert.rejects(
    dut.storage.flash(dut.context.addResource(imageStream(bytes)), "emmc2"),
    /Cannot flash target "emmc2": the virtual board has one disk, "mmcblk0"/,
  );
  assert.deepEqual(
    dut.context.records.filter((r) => r.message.startsWith("storage mux")).map((r) => r.message),
    ["storage mux to off", "storage mux to host", "storage mux to dut"],
  );
});

Deno.test("VirtualStorage hashes an existing image on open and removes only its own temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = image(6, 4096);
    await Deno.writeFile(`${dir}/existing.img`, bytes);
    const context = testContext("disk", dir);
    const { VirtualStorage } = await import("./storage.ts");
    const kept = new VirtualStorage({ path: "existing.img", board: "kept" }, context);
    await kept.open();
    assert.deepEqual(kept.info(), { size: 4096, sha256: sha256(bytes), mux: "dut" });
    await kept.close();
    assert.ok((await Deno.stat(`${dir}/existing.img`)).isFile);

    const temporary = new VirtualStorage({ board: "temp" }, context.child("scratch"));
    await temporary.open();
    const path = temporary.path;
    assert.deepEqual(temporary.info(), { size: 0, sha256: null, mux: "dut" });
    await temporary.close();
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("virtual board sha256sum without an image reports no medium", async () => {
  await using dut = await openBoard({ bootDelay: 0 });
  const console = dut.console();
  dut.power.on();
  await login(console);
  assert.deepEqual(await console.run("sha256sum /dev/mmcblk0"), {
    output: "sha256sum: /dev/mmcblk0: No medium found",
    status: 1,
  });
});

function dirnameOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}
