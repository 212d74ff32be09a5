/**
 * One QEMU virtual machine as the `qemu.Qemu` children share it: the
 * `qemu-system-x86_64` process, its QMP socket and its serial port (ttyS0),
 * whose output is passed to every attached console.
 *
 * QEMU starts paused (`-S`); the serial socket is connected before `cont`,
 * so a console attached before power on sees the whole boot. It runs under
 * `setpriv --pdeathsig KILL` when available, so it dies with the exporter
 * even if the exporter is killed without closing its drivers.
 *
 * @module
 */
import { FailedPreconditionError, UnavailableError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import type { Logger } from "../../src/log.ts";
import { writeAll } from "../../src/driver/write_all.ts";
import { kvmUsable } from "./accel.ts";
import { qemuArgs } from "./command_line.ts";
import { ARCHES, hostRuns } from "./arch.ts";
import type { MachineOptions } from "./machine_options.ts";
import { QmpClient } from "./qmp.ts";
import { StderrTail } from "./stderr_tail.ts";
import { which } from "./which.ts";

/** Receives serial output. */
export type SerialListener = (bytes: Uint8Array) => void;

/** A QEMU process and its sockets; at most one at a time. */
export class QemuMachine {
  readonly #listeners = new Set<SerialListener>();
  #child?: Deno.ChildProcess;
  #exited?: Promise<void>;
  #qmp?: QmpClient;
  #serial?: Deno.UnixConn;
  #pump?: Promise<void>;
  #dir?: string;
  #transition: Promise<unknown> = Promise.resolve();

  constructor(readonly options: MachineOptions, readonly log: Logger) {}

  /** True while the QEMU process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The QEMU process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts receiving serial output; returns a function that stops. */
  attach(listener: SerialListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Types bytes on the serial port; dropped while the machine is off. */
  async input(bytes: Uint8Array): Promise<void> {
    const serial = this.#serial;
    if (!serial) return;
    try {
      await writeAll(serial, bytes);
    } catch {
      // The machine went away mid-write; like a UART with nothing attached.
    }
  }

  /** Runs a QMP command on the running machine; fails with `whenOff` while it is off. */
  qmp(command: string, args: Record<string, unknown>, whenOff: string): Promise<unknown> {
    const qmp = this.#qmp;
    if (!qmp) return Promise.reject(new FailedPreconditionError(whenOff));
    return qmp.execute(command, args);
  }

  /** Starts QEMU booting `disk` (if given); a no-op while running. */
  start(disk?: string): Promise<void> {
    return this.#serialise(() => this.running ? Promise.resolve() : this.#start(disk));
  }

  /** Stops QEMU (power-down with a timeout if configured, then quit, then kill). */
  stop(): Promise<void> {
    return this.#serialise(() => this.#stop());
  }

  #serialise<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#transition.then(step, step);
    this.#transition = next.catch(() => {});
    return next;
  }

  async #start(disk: string | undefined): Promise<void> {
    const options = this.options;
    const binary = await which(options.binary);
    if (!binary) {
      throw new FailedPreconditionError(
        `Cannot power on: "${options.binary}" is not installed; install it with "apt-get install ${
          ARCHES[options.arch].apt
        }"`,
      );
    }
    for (const [key, path] of [["kernel", options.kernel], ["initrd", options.initrd]] as const) {
      if (path !== undefined && !(await isFile(path))) {
        throw new FailedPreconditionError(
          `Cannot power on: ${key} "${path}" does not exist; build the test guest with scripts/build_test_guest.sh, or install a kernel (apt-get install linux-image-amd64) and point ${key} at /boot`,
        );
      }
    }
    if (options.bios !== undefined && !(await isFile(options.bios))) {
      throw new FailedPreconditionError(
        `Cannot power on: bios "${options.bios}" does not exist; install the firmware (apt-get install u-boot-qemu) or fix the path`,
      );
    }
    const netboot = options.network.mode !== "none";
    if (
      options.kernel === undefined && disk === undefined && options.bios === undefined && !netboot
    ) {
      throw new FailedPreconditionError(
        "Cannot power on: nothing to boot; configure a kernel, a bios (firmware such as U-Boot) or a network to boot from, or flash a disk image first",
      );
    }
    const accel = options.accel === "auto"
      ? (hostRuns(options.arch) && await kvmUsable(binary) ? "kvm" : "tcg")
      : options.accel;
    const dir = this.#dir = await Deno.makeTempDir({ prefix: "jumpstarter-qemu-" });
    const qmpPath = `${dir}/qmp.sock`;
    const serialPath = `${dir}/serial.sock`;
    const args = qemuArgs(options, accel, { qmp: qmpPath, serial: serialPath }, disk);
    const setpriv = await which("setpriv");
    const tail = new StderrTail();
    this.log.info(`power on: ${binary} (${accel}) ${args.join(" ")}`);
    const child = new Deno.Command(setpriv ?? binary, {
      args: setpriv ? ["--pdeathsig", "KILL", binary, ...args] : args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const stderr = tail.collect(child.stderr);
    this.#exited = (async () => {
      const status = await child.status;
      await stderr;
      if (this.#child === child) {
        this.log.info(`qemu exited with status ${status.code}`);
        await this.#cleanUp();
      }
    })();
    try {
      this.#qmp = await this.#connectQmp(qmpPath, child);
      this.#serial = await Deno.connect({ transport: "unix", path: serialPath });
      this.#pump = this.#pumpSerial(this.#serial);
      await this.#qmp.execute("cont");
    } catch (error) {
      await this.#kill();
      throw new UnavailableError(
        `Cannot power on: QEMU did not start: ${messageOf(error)}${tail.note()}`,
        { cause: error },
      );
    }
  }

  async #connectQmp(path: string, child: Deno.ChildProcess): Promise<QmpClient> {
    const deadline = performance.now() + 15_000;
    while (true) {
      if (this.#child !== child) throw new Error("QEMU exited");
      try {
        return await QmpClient.connect(path, (event) => this.log.debug(`qmp event ${event}`));
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  async #pumpSerial(conn: Deno.UnixConn): Promise<void> {
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        const bytes = buffer.slice(0, n);
        for (const listener of this.#listeners) listener(bytes);
      }
    } catch {
      // The socket closed with QEMU.
    }
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const qmp = this.#qmp;
    if (qmp && this.options.shutdownTimeout > 0) {
      this.log.info(`power off: ACPI power-down, ${this.options.shutdownTimeout} s to shut down`);
      await qmp.execute("system_powerdown").catch(() => {});
      if (await this.#waitExit(this.options.shutdownTimeout * 1000)) return;
    }
    this.log.info("power off: quit");
    await qmp?.execute("quit").catch(() => {});
    if (await this.#waitExit(5000)) return;
    this.log.warning("qemu did not quit in 5 s; killing it");
    await this.#kill();
  }

  /** Waits up to `ms` for the process to end and be cleaned up; true if it did. */
  async #waitExit(ms: number): Promise<boolean> {
    const exited = this.#exited;
    if (!exited) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
    const result = await Promise.race([exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  async #kill(): Promise<void> {
    try {
      this.#child?.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    await this.#exited;
  }

  async #cleanUp(): Promise<void> {
    this.#child = undefined;
    this.#exited = undefined;
    const qmp = this.#qmp;
    this.#qmp = undefined;
    await qmp?.close();
    const serial = this.#serial;
    this.#serial = undefined;
    try {
      serial?.close();
    } catch {
      // QEMU closed it.
    }
    await this.#pump;
    this.#pump = undefined;
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    this.#dir = undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
