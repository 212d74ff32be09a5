/**
 * `qemu.Qemu`: a virtual board backed by a real `qemu-system-x86_64`. Its
 * children are `power` (starts and stops the VM), `serial` (the guest's
 * ttyS0) and `storage` (the disk image it boots from), so the same clients,
 * CLI commands and tests that drive a real board drive it.
 *
 * @module
 */
import { resolve } from "node:path";
import {
  childContext,
  type DriverConfig,
  type DriverContext,
} from "../../src/driver/driver_context.ts";
import { Driver } from "../../src/driver/driver.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { byteStream } from "../../src/driver/exports.ts";
import type { Duplex } from "../../src/driver/stream.ts";
import { PowerDriver } from "../power/interface.ts";
import { ConsoleStreams } from "../serial/console_streams.ts";
import type { AccelSetting } from "./accel.ts";
import { type MachineOptions, QemuMachine } from "./machine.ts";
import { QemuStorage } from "./storage.ts";

/**
 * A QEMU virtual board with `power`, `serial` and `storage` children.
 *
 * Config (paths relative to the config file): `kernel`, `initrd`, `append`
 * (kernel command line, default `console=ttyS0`), `disk` (raw image to boot
 * from or attach; default a temporary image created by the first flash),
 * `diskInterface` (virtio, nvme or ide; default virtio), `memory` (MiB,
 * default 256), `cpus` (default 1), `accel` (auto, kvm or tcg; auto uses KVM
 * when a probe guest runs under it), `extraArgs` (more QEMU arguments),
 * `shutdownTimeout` (seconds power off waits after an ACPI power-down before
 * quitting; default 0: quit at once), `binary` (default qemu-system-x86_64).
 */
export class Qemu extends Driver {
  static override client = "jumpstarter_driver_composite.client.CompositeClient";

  readonly machine: QemuMachine;

  constructor(config: DriverConfig, context: DriverContext) {
    super(config, context);
    const options = machineOptions(config, context);
    this.machine = new QemuMachine(options, this.log);
    const reader = new ConfigReader(config, context.path);
    const disk = reader.string("disk");
    this.addChild(
      "power",
      new QemuPower(
        { description: "Power of the QEMU virtual machine" },
        childContext(context, "power"),
        this,
      ),
    );
    this.addChild(
      "serial",
      new QemuSerial(
        { description: "Serial console of the QEMU virtual machine (ttyS0)" },
        childContext(context, "serial"),
        this.machine,
      ),
    );
    this.addChild(
      "storage",
      new QemuStorage(
        {
          description: "Disk image of the QEMU virtual machine",
          ...(disk === undefined ? {} : { path: disk }),
        },
        childContext(context, "storage"),
        this.machine,
      ),
    );
  }

  /** The storage child (its disk is what power on boots). */
  get storage(): QemuStorage {
    return this.children.get("storage") as QemuStorage;
  }

  /** Stops the VM; its children close their own streams. */
  override async close(): Promise<void> {
    await this.machine.stop();
  }
}

function machineOptions(config: DriverConfig, context: DriverContext): MachineOptions {
  const reader = new ConfigReader(config, context.path);
  const path = (key: string) => {
    const value = reader.string(key);
    return value === undefined ? undefined : resolve(context.baseDir, value);
  };
  const accel = reader.string("accel", "auto");
  if (!["auto", "kvm", "tcg"].includes(accel)) {
    throw new ConfigError(
      `Invalid config ${context.path}.config.accel: expected auto, kvm or tcg, got "${accel}"`,
    );
  }
  const diskInterface = reader.string("diskInterface", "virtio");
  if (!["virtio", "nvme", "ide"].includes(diskInterface)) {
    throw new ConfigError(
      `Invalid config ${context.path}.config.diskInterface: expected virtio, nvme or ide, got "${diskInterface}"`,
    );
  }
  const extraArgs = config.extraArgs ?? [];
  if (!Array.isArray(extraArgs) || !extraArgs.every((a) => typeof a === "string")) {
    throw new ConfigError(
      `Invalid config ${context.path}.config.extraArgs: expected a list of strings, got ${
        JSON.stringify(extraArgs)
      }`,
    );
  }
  const kernel = path("kernel");
  const initrd = path("initrd");
  if (initrd !== undefined && kernel === undefined) {
    throw new ConfigError(
      `Invalid config ${context.path}.config.initrd: an initrd needs a kernel; add kernel`,
    );
  }
  return {
    binary: reader.string("binary", "qemu-system-x86_64"),
    memory: integer(reader, "memory", 256, 16),
    cpus: integer(reader, "cpus", 1, 1),
    kernel,
    initrd,
    append: kernel === undefined ? undefined : reader.string("append", "console=ttyS0"),
    diskInterface: diskInterface as MachineOptions["diskInterface"],
    accel: accel as AccelSetting,
    extraArgs,
    shutdownTimeout: reader.number("shutdownTimeout", 0, 0),
  };
}

function integer(reader: ConfigReader, key: string, fallback: number, min: number): number {
  const value = reader.number(key, fallback, min);
  if (!Number.isInteger(value)) {
    throw new ConfigError(
      `Invalid config ${reader.path}.config.${key}: expected a whole number >= ${min}, got ${value}`,
    );
  }
  return value;
}

/**
 * Power of the VM: on starts QEMU (booting the storage's disk image), off
 * quits it. No measurements: `read` is not implemented.
 */
export class QemuPower extends PowerDriver {
  constructor(config: DriverConfig, context: DriverContext, readonly board: Qemu) {
    super(config, context);
  }

  override async on(): Promise<void> {
    if (this.board.storage.writing) {
      throw new FailedPreconditionError("Cannot power on while the disk image is being written");
    }
    await this.board.machine.start(await this.board.storage.bootDisk());
  }

  override async off(): Promise<void> {
    await this.board.machine.stop();
  }

  /** A new session starts with the VM off. */
  override async reset(): Promise<void> {
    await this.board.machine.stop();
  }

  override async close(): Promise<void> {
    super.close();
    await this.board.machine.stop();
  }
}

/**
 * The guest's ttyS0 (upstream client `PySerialClient`). Each `connect`
 * stream gets everything the guest prints from then on, across power
 * cycles; what a client writes is typed on the port (dropped while off).
 */
export class QemuSerial extends Driver {
  static override client = "jumpstarter_driver_pyserial.client.PySerialClient";

  readonly #streams: ConsoleStreams;

  constructor(config: DriverConfig, context: DriverContext, readonly machine: QemuMachine) {
    super(config, context);
    // Closing the input (a half-close) ends input only: output keeps flowing until
    // the client cancels. Aborting it ends the stream.
    this.#streams = new ConsoleStreams(machine, { disconnectOnAbort: true });
  }

  /** Open console streams. */
  get connections(): number {
    return this.#streams.size;
  }

  @byteStream({ description: "Connect to the VM's serial console (ttyS0)" })
  connect(): Duplex {
    return this.#streams.connect();
  }

  override close(): void {
    this.#streams.close();
  }
}
