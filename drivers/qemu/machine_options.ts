/**
 * What a QEMU machine boots and how (`MachineOptions`), and reading it from
 * a `qemu.Qemu` board's config with its checks.
 *
 * @module
 */
import { resolve } from "node:path";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";
import type { AccelSetting } from "./accel.ts";
import { ARCHES, type ArchOptions, archOptions } from "./arch.ts";
import { type NetworkOptions, networkOptions } from "./network.ts";

/** What a machine boots and how. */
export interface MachineOptions extends ArchOptions {
  binary: string;
  /** MiB of RAM. */
  memory: number;
  cpus: number;
  kernel?: string;
  initrd?: string;
  append?: string;
  /** How the disk is attached: virtio, nvme or ide. */
  diskInterface: "virtio" | "nvme" | "ide";
  accel: AccelSetting;
  extraArgs: string[];
  /** A VGA display the `video` child reads (QMP screendump). */
  display: boolean;
  network: NetworkOptions;
  /** Seconds `stop()` waits for the guest after an ACPI power-down; 0 quits at once. */
  shutdownTimeout: number;
}

/** The machine options in a `qemu.Qemu` board's config, checked. */
export function machineOptions(config: DriverConfig, context: DriverContext): MachineOptions {
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
  const arch = archOptions(config, context);
  return {
    ...arch,
    network: networkOptions(config.network, context),
    binary: reader.string("binary", ARCHES[arch.arch].binary),
    memory: integer(reader, "memory", 256, 16),
    cpus: integer(reader, "cpus", 1, 1),
    kernel,
    initrd,
    append: kernel === undefined ? undefined : reader.string("append", "console=ttyS0"),
    diskInterface: diskInterface as MachineOptions["diskInterface"],
    accel: accel as AccelSetting,
    extraArgs,
    shutdownTimeout: reader.number("shutdownTimeout", 0, 0),
    // A VGA screen by default on x86_64; the aarch64 virt machine has no VGA unless asked.
    display: reader.boolean("display", arch.arch === "x86_64"),
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
