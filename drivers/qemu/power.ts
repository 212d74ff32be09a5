/**
 * `qemu.Qemu`'s `power` child: power on starts the VM booting the board's
 * disk image, power off quits it.
 *
 * @module
 */
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { FailedPreconditionError } from "../../src/driver/errors.ts";
import { PowerDriver } from "../power/interface.ts";
import type { QemuMachine } from "./machine.ts";
import type { QemuStorage } from "./storage.ts";

/** What power needs of its board (a `qemu.Qemu`): the VM and the disk it boots. */
export interface QemuBoard {
  readonly machine: QemuMachine;
  readonly storage: QemuStorage;
}

/**
 * Power of the VM: on starts QEMU (booting the storage's disk image), off
 * quits it. No measurements: `read` is not implemented.
 */
export class QemuPower extends PowerDriver {
  constructor(config: DriverConfig, context: DriverContext, readonly board: QemuBoard) {
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
