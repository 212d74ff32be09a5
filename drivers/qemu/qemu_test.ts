import { eventually } from "../../testing/eventually.ts";
/**
 * The QEMU board against a real qemu-system-x86_64 and the test guest built
 * by scripts/build_test_guest.sh. Without them the boot tests are skipped
 * with a message, except under CI=true, where they fail.
 */
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { ROOT } from "../../tests/_fixtures/run.ts";
import { localDevice } from "../../testing.ts";
import { connect } from "../../mod.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { FailedPreconditionError, NotImplementedError } from "../../src/driver/errors.ts";
import type { VirtualBoard } from "../virtual/client.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { QemuMachine } from "./machine.ts";
import { Qemu } from "./qemu.ts";
import { QemuSerial } from "./serial.ts";
import { which } from "./which.ts";
import { QemuStorage } from "./storage.ts";

const GUEST = `${ROOT}/.cache/guest`;
const CI = Deno.env.get("CI") === "true";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function missingParts(): Promise<string | undefined> {
  if (!await which("qemu-system-x86_64")) {
    return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
  }
  if (!await exists(`${GUEST}/vmlinuz`) || !await exists(`${GUEST}/initrd.img`)) {
    return `the test guest is not built in ${GUEST} (bash scripts/build_test_guest.sh)`;
  }
  return undefined;
}

const missing = await missingParts();
if (missing && !CI) console.warn(`Skipping the QEMU boot tests: ${missing}`);

/** Boot tests run when qemu and the guest are there, and always under CI (failing if not). */
function bootTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: missing !== undefined && !CI,
    async fn() {
      assert.ok(missing === undefined, `CI=true and ${missing}`);
      await fn();
    },
  });
}

/**
 * Marks the kernel command line of this file's VMs: test files run in parallel
 * in one process, and other files boot VMs of their own (the screen tests).
 */
const MARK = "jumpstarter.test=qemu_test";

/** PIDs of qemu-system processes whose parent is `parent` and whose command line has `mark`. */
async function qemuChildren(parent: number, mark = MARK): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    const match = stat.match(/^\d+ \((.*)\) (\S) (\d+)/);
    if (match && match[1].startsWith("qemu-system") && match[2] !== "Z") {
      const command = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
      if (Number(match[3]) === parent && command.includes(mark)) found.push(Number(entry.name));
    }
  }
  return found;
}

/** examples/qemu-board.yaml as it is, with MARK on its kernel command line. */
async function markedExample() {
  const doc = parse(await Deno.readTextFile(`${ROOT}/examples/qemu-board.yaml`));
  doc.export.board.config.append += ` ${MARK}`;
  return exporterConfigFrom(doc, `${ROOT}/examples`);
}

/** Whether process `pid` is gone (or a zombie waiting for init to reap it). */
async function gone(pid: number): Promise<boolean> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return stat === "" || /^\d+ \(.*\) Z/.test(stat);
}

function guestConfig(dir: string, extra: Record<string, unknown> = {}) {
  return exporterConfigFrom({
    export: {
      board: {
        type: "qemu.Qemu",
        config: {
          kernel: `${GUEST}/vmlinuz`,
          initrd: `${GUEST}/initrd.img`,
          append: `console=ttyS0 quiet panic=-1 ${MARK}`,
          ...extra,
        },
      },
      power: { ref: "board.power" },
      serial: { ref: "board.serial" },
      storage: { ref: "board.storage" },
    },
  }, dir);
}

Deno.test("Qemu rejects bad config values naming the config path", () => {
  assert.throws(
    () => new Qemu({ accel: "hvf" }, testContext("board")),
    (e) => e instanceof ConfigError && /accel: expected auto, kvm or tcg/.test(e.message),
  );
  assert.throws(
    () => new Qemu({ memory: 100.5 }, testContext("board")),
    (e) => e instanceof ConfigError && /memory: expected a whole number/.test(e.message),
  );
  assert.throws(
    () => new Qemu({ extraArgs: "-s" }, testContext("board")),
    (e) => e instanceof ConfigError && /extraArgs: expected a list of strings/.test(e.message),
  );
  assert.throws(
    () => new Qemu({ initrd: "initrd.img" }, testContext("board")),
    (e) => e instanceof ConfigError && /an initrd needs a kernel/.test(e.message),
  );
});

Deno.test("Qemu children report upstream's power, serial and storage client labels", () => {
  const board = new Qemu({ kernel: "vmlinuz" }, testContext("board"));
  assert.deepEqual([...board.children.keys()], ["power", "serial", "storage", "video"]);
  assert.deepEqual([...board.children.values()].map((c) => c.clientLabel()), [
    "jumpstarter_driver_power.client.PowerClient",
    "jumpstarter_driver_pyserial.client.PySerialClient",
    "jumpstarter_driver_opendal.client.StorageMuxFlasherClient",
    "jumpstarter_driver_ustreamer.client.UStreamerClient",
  ]);
});

Deno.test("QemuPower.on() without qemu installed is one clear error naming the apt package", async () => {
  await using dut = await localDevice<VirtualBoard>(
    guestConfig(Deno.cwd(), { binary: "qemu-system-x86_64-not-installed" }),
  );
  await assert.rejects(
    () => dut.power.on(),
    (e) =>
      e instanceof FailedPreconditionError &&
      /"qemu-system-x86_64-not-installed" is not installed; install it with "apt-get install qemu-system-x86"/
        .test(e.message),
  );
  // The exporter keeps serving.
  await assert.rejects(() =>
    (async () => {
      for await (const _ of dut.power.read()) break;
    })(), NotImplementedError);
});

Deno.test("QemuPower.on() with a missing kernel names the file and how to get one", async () => {
  await using dut = await localDevice<VirtualBoard>(exporterConfigFrom({
    export: {
      power: { ref: "board.power" },
      board: { type: "qemu.Qemu", config: { binary: "/bin/true", kernel: "no/vmlinuz" } },
    },
  }, "/tmp"));
  await assert.rejects(() => dut.power.on(), (error) => {
    assert.ok(error instanceof FailedPreconditionError);
    assert.match(error.message, /kernel "\/tmp\/no\/vmlinuz" does not exist/);
    assert.match(error.message, /apt-get install linux-image-amd64/);
    assert.match(error.message, /scripts\/build_test_guest\.sh/);
    return true;
  });
});

bootTest(
  "Qemu boots examples/qemu-board.yaml: login prompt, commands, power off, nothing left running",
  async () => {
    const started = performance.now();
    await using dut = await localDevice<VirtualBoard>(await markedExample());
    // Attached before power on: the console must see the whole boot.
    await using console = await dut.serial.open({ timeout: 30_000 });
    await dut.power.on();
    const qemu = await qemuChildren(Deno.pid);
    assert.equal(qemu.length, 1, "one qemu process runs");
    await console.expect("Jumpstarter test guest");
    await console.expect(/login: $/);
    await console.sendLine("root");
    await console.expect(/# /);
    const kernel = (await Deno.readTextFile(`${GUEST}/.kernel`)).trim().replace("linux-image-", "");
    const uname = await console.run("uname -r");
    assert.deepEqual(uname, { output: kernel, status: 0 });
    assert.equal((await console.run("false")).status, 1);
    assert.equal((await console.run("echo $((6 * 7))")).output, "42");
    await dut.power.off();
    assert.deepEqual(await qemuChildren(Deno.pid), [], "no qemu process after power off");
    await eventually(() => gone(qemu[0]), {
      timeout: 10_000,
      interval: 50,
      message: "qemu's exit",
    });
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 30, `boot, login, commands and power off took ${seconds.toFixed(1)} s`);
  },
);

bootTest(
  "QemuStorage flashes the disk the VM boots with, refuses while it runs; a guest power-off is noticed",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-qemu-test-" });
    try {
      const image = new Uint8Array(1024 * 1024);
      image.set(new TextEncoder().encode("JUMPSTARTER-DISK-0123456789"));
      crypto.getRandomValues(image.subarray(4096, 8192));
      await Deno.writeFile(`${dir}/image.img`, image);
      await using dut = await localDevice<VirtualBoard>(guestConfig(dir, { disk: "disk.img" }));
      const flashed = await dut.storage.flash(`${dir}/image.img`) as { sha256: string };
      assert.deepEqual(flashed.sha256, createHash("sha256").update(image).digest("hex"));
      assert.deepEqual(await Deno.readFile(`${dir}/disk.img`), image);

      await using console = await dut.serial.open({ timeout: 30_000 });
      await dut.power.on();
      await assert.rejects(
        () => dut.storage.flash(`${dir}/image.img`),
        (e) =>
          e instanceof FailedPreconditionError &&
          /the VM is running: power it off first/.test(e.message),
      );
      await console.expect(/login: $/);
      await console.sendLine("root");
      await console.expect(/# /);
      const head = await console.run("head -c 27 /dev/vda");
      assert.equal(head.output, "JUMPSTARTER-DISK-0123456789");
      // The guest powers itself off: the driver notices and cleans up.
      await console.sendLine("poweroff -f");
      await eventually(async () => (await qemuChildren(Deno.pid)).length === 0, {
        timeout: 10_000,
        interval: 50,
        message: "qemu's exit after the guest powered off",
      });
      // The driver learns of the exit through the process status, a moment after /proc does.
      await eventually(
        async () => (await dut.storage.info() as { running: boolean }).running === false,
        {
          timeout: 5000,
          message: "storage.info().running to turn false",
        },
      );
      // Power on again after a guest power-off.
      await dut.power.on();
      await console.expect(/login: $/);
      await dut.power.off();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

bootTest("Qemu dies with its exporter even when the exporter is killed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-qemu-test-" });
  const socket = `${dir}/exporter.sock`;
  const exporter = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}/exporter.ts`,
      "serve",
      "--local",
      "--config",
      `${ROOT}/examples/qemu-board.yaml`,
      "--socket",
      socket,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await eventually(() => Deno.lstat(socket), { timeout: 30_000, interval: 50, message: socket });
    {
      await using dut = await connect<VirtualBoard>(socket);
      await dut.power.on();
    }
    const qemu = await qemuChildren(exporter.pid, "");
    assert.equal(qemu.length, 1, "the exporter runs one qemu");
    exporter.kill("SIGKILL");
    await exporter.status;
    await eventually(() => gone(qemu[0]), { timeout: 5000, interval: 50, message: "qemu's exit" });
  } finally {
    try {
      exporter.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await exporter.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Qemu rejects an unknown flash target", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-qemu-test-" });
  try {
    await Deno.writeFile(`${dir}/image.img`, new Uint8Array(4096));
    await using dut = await localDevice<VirtualBoard>(guestConfig(dir, { disk: "disk.img" }));
    await assert.rejects(() => dut.storage.flash(`${dir}/image.img`, { target: "sdb" }), {
      message: /Cannot flash target "sdb"/,
    });
    assert.match(JSON.stringify(await dut.storage.info()), /"size":0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("QemuStorage.write() and flash() are refused while the VM runs, and keep the image", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-qemu-test-" });
  try {
    await Deno.writeTextFile(`${dir}/disk.img`, "previous image");
    const machine = { running: true } as QemuMachine;
    const context = testContext("storage", dir);
    const storage = new QemuStorage({ path: "disk.img" }, context, machine);
    await storage.open();
    const upload = () =>
      context.addResource(ReadableStream.from([new TextEncoder().encode("new image")]));
    await assert.rejects(
      () => storage.write(upload()),
      (e) =>
        e instanceof FailedPreconditionError &&
        e.message.includes(
          `Cannot write the disk image ${dir}/disk.img: the VM is running: power it off first`,
        ),
    );
    await assert.rejects(
      () => storage.flash(upload(), null),
      (e) => e instanceof FailedPreconditionError && /power it off/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(`${dir}/disk.img`), "previous image");
    (machine as { running: boolean }).running = false;
    assert.equal((await storage.flash(upload(), "disk")).size, 9);
    assert.equal(await Deno.readTextFile(`${dir}/disk.img`), "new image");
    assert.deepEqual(
      (await storage.info()).sha256,
      createHash("sha256").update("new image").digest("hex"),
    );
    await storage.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("QemuStorage keeps the previous image when the VM is powered on during a write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-qemu-test-" });
  try {
    await Deno.writeTextFile(`${dir}/disk.img`, "previous image");
    const machine = { running: false } as { running: boolean };
    const context = testContext("storage", dir);
    const storage = new QemuStorage({ path: "disk.img" }, context, machine as QemuMachine);
    await storage.open();
    const encoder = new TextEncoder();
    const upload = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("new "));
      },
      pull(controller) {
        // Powered on while the image streams in.
        machine.running = true;
        controller.enqueue(encoder.encode("image"));
        controller.close();
      },
    });
    await assert.rejects(() => storage.write(context.addResource(upload)), (error) => {
      assert.ok(error instanceof DriverError);
      assert.ok(
        error.message.includes(
          `Write to the disk image ${dir}/disk.img failed after 9 bytes, the previous image was kept: the VM was powered on during the write`,
        ),
        error.message,
      );
      assert.equal(error.code, "aborted");
      return true;
    });
    assert.equal(await Deno.readTextFile(`${dir}/disk.img`), "previous image");
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["disk.img"]);
    assert.equal((await storage.info()).sha256, null);
    assert.equal(storage.writing, false);
    await storage.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("QemuSerial fans the guest's output out; aborting a stream's input disconnects it", async () => {
  const listeners = new Set<(bytes: Uint8Array) => void>();
  const typed: string[] = [];
  const machine = {
    attach(listener: (bytes: Uint8Array) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    input(bytes: Uint8Array) {
      typed.push(new TextDecoder().decode(bytes));
      return Promise.resolve();
    },
  };
  const serial = new QemuSerial({}, testContext("serial"), machine as unknown as QemuMachine);
  const first = serial.connect();
  const second = serial.connect();
  assert.equal(serial.connections, 2);
  for (const listener of listeners) listener(new TextEncoder().encode("login: "));
  const firstReader = first.readable.getReader();
  const secondReader = second.readable.getReader();
  assert.equal(new TextDecoder().decode((await firstReader.read()).value), "login: ");
  assert.equal(new TextDecoder().decode((await secondReader.read()).value), "login: ");
  const writer = first.writable.getWriter();
  await writer.write(new TextEncoder().encode("root\n"));
  assert.deepEqual(typed, ["root\n"]);
  await writer.abort(new Error("client gone"));
  assert.equal(serial.connections, 1);
  assert.equal(listeners.size, 1);
  assert.equal((await firstReader.read()).done, true);
  serial.close();
  assert.equal(serial.connections, 0);
  assert.equal((await secondReader.read()).done, true);
});
