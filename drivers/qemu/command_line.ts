/**
 * The QEMU command line of a machine: paused at start (`-S`), no window (a
 * VGA card when the display is on, read through QMP),
 * the serial port and QMP on unix sockets, the kernel and the disk as
 * configured.
 *
 * @module
 */
import { accelArgs } from "./accel.ts";
import type { MachineOptions } from "./machine_options.ts";
import { archArgs, ARCHES } from "./arch.ts";
import { networkArgs } from "./network.ts";

/** Where QEMU listens: the unix sockets of its QMP monitor and its serial port. */
export interface MachineSockets {
  qmp: string;
  serial: string;
}

/** QEMU's arguments for `options` under `accel`, booting `disk` if given. */
export function qemuArgs(
  options: MachineOptions,
  accel: "kvm" | "tcg",
  sockets: MachineSockets,
  disk: string | undefined,
): string[] {
  return [
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-S",
    "-no-reboot",
    "-m",
    String(options.memory),
    "-smp",
    String(options.cpus),
    ...accelArgs(accel),
    ...archArgs(options, accel),
    ...(options.display ? ["-vga", "std"] : []),
    "-chardev",
    `socket,id=serial0,path=${sockets.serial},server=on,wait=off`,
    "-serial",
    "chardev:serial0",
    "-qmp",
    `unix:${sockets.qmp},server=on,wait=off`,
    ...(options.kernel ? ["-kernel", options.kernel] : []),
    ...(options.initrd ? ["-initrd", options.initrd] : []),
    ...(options.kernel && options.append !== undefined ? ["-append", options.append] : []),
    ...(disk ? diskArgs(disk, options.diskInterface) : []),
    ...networkArgs(options.network, ARCHES[options.arch].nic),
    ...options.extraArgs,
  ];
}

function diskArgs(path: string, bus: MachineOptions["diskInterface"]): string[] {
  const file = path.replaceAll(",", ",,");
  if (bus === "nvme") {
    return [
      "-drive",
      `file=${file},format=raw,if=none,id=disk0`,
      "-device",
      "nvme,drive=disk0,serial=jumpstarter0",
    ];
  }
  return ["-drive", `file=${file},format=raw,if=${bus}`];
}
