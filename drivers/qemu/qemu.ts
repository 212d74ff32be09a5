/**
 * `qemu.Qemu`: a virtual board backed by a real `qemu-system-x86_64` (or
 * `qemu-system-aarch64`). Its
 * children are `power` (starts and stops the VM), `serial` (the guest's
 * ttyS0), `storage` (the disk image it boots from) and `video` (its screen),
 * so the same clients,
 * CLI commands and tests that drive a real board drive it.
 *
 * @module
 */
import {
  childContext,
  type DriverConfig,
  type DriverContext,
} from "../../src/driver/driver_context.ts";
import { Driver } from "../../src/driver/driver.ts";
import { ConfigReader } from "../../src/driver/config_check.ts";
import { QemuMachine } from "./machine.ts";
import { machineOptions } from "./machine_options.ts";
import { QemuPower } from "./power.ts";
import { QemuSerial } from "./serial.ts";
import { QemuStorage } from "./storage.ts";
import { QemuDisplay } from "./display.ts";

/**
 * A QEMU virtual board with `power`, `serial`, `storage` and `video` children.
 *
 * Config (paths relative to the config file): `kernel`, `initrd`, `append`
 * (kernel command line, default `console=ttyS0`), `disk` (raw image to boot
 * from or attach; default a temporary image created by the first flash),
 * `diskInterface` (virtio, nvme or ide; default virtio), `memory` (MiB,
 * default 256), `cpus` (default 1), `accel` (auto, kvm or tcg; auto uses KVM
 * when a probe guest runs under it), `extraArgs` (more QEMU arguments),
 * `shutdownTimeout` (seconds power off waits after an ACPI power-down before
 * quitting; default 0: quit at once), `display` (a VGA screen, the `video`
 * child; default true), `binary` (default qemu-system-x86_64, or
 * qemu-system-aarch64 for `arch: aarch64`). Boards that boot like lab
 * boards: `arch` (x86_64 or aarch64, QEMU's virt machine; default x86_64),
 * `bios` (firmware such as U-Boot from u-boot-qemu), `network` (`{mode: user,
 * hostfwd: ["tcp:127.0.0.1:2222-:22"], bootfile: URL}` or `{tap: tap0}`;
 * `model` picks the NIC; see `network.ts`).
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
    if (options.display) {
      this.addChild(
        "video",
        new QemuDisplay(
          { description: "Screen of the QEMU virtual machine (VGA)" },
          childContext(context, "video"),
          this.machine,
        ),
      );
    }
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
