/**
 * The guest architecture of a QEMU board (`arch: x86_64` or `aarch64`) and
 * its firmware (`bios`): the binary, the machine and CPU arguments, and the
 * NIC model each needs. An aarch64 board is QEMU's `virt` machine; its
 * firmware is typically U-Boot (`/usr/lib/u-boot/qemu_arm64/u-boot.bin` from
 * Debian's `u-boot-qemu`).
 *
 * @module
 */
import { resolve } from "node:path";
import type { DriverConfig, DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError, ConfigReader } from "../../src/driver/config_check.ts";

/** Guest architectures a `qemu.Qemu` board runs. */
export type QemuArch = "x86_64" | "aarch64";

/** What the architecture decides. */
export interface ArchOptions {
  arch: QemuArch;
  /** Firmware image (`-bios`), absolute. */
  bios?: string;
}

/** Per architecture: default binary, the apt package that has it, the default NIC model. */
export const ARCHES: Record<QemuArch, { binary: string; apt: string; nic: string }> = {
  x86_64: { binary: "qemu-system-x86_64", apt: "qemu-system-x86", nic: "e1000" },
  aarch64: { binary: "qemu-system-aarch64", apt: "qemu-system-arm", nic: "virtio-net-pci" },
};

/** The `arch` and `bios` of a `qemu.Qemu` config, checked. */
export function archOptions(config: DriverConfig, context: DriverContext): ArchOptions {
  const reader = new ConfigReader(config, context.path);
  const arch = reader.string("arch", "x86_64");
  if (!(arch in ARCHES)) {
    throw new ConfigError(
      `Invalid config ${context.path}.config.arch: expected x86_64 or aarch64, got "${arch}"`,
    );
  }
  const bios = reader.string("bios");
  return {
    arch: arch as QemuArch,
    bios: bios === undefined ? undefined : resolve(context.baseDir, bios),
  };
}

/** Whether KVM can run `arch` on this host at all (else only TCG). */
export function hostRuns(arch: QemuArch): boolean {
  return Deno.build.arch === arch;
}

/** The machine, CPU and firmware arguments of `options` under `accel`. */
export function archArgs(options: ArchOptions, accel: "kvm" | "tcg"): string[] {
  const machine = options.arch === "aarch64"
    ? ["-machine", "virt", ...(accel === "tcg" ? ["-cpu", "cortex-a57"] : [])]
    : [];
  return [...machine, ...(options.bios ? ["-bios", options.bios] : [])];
}
