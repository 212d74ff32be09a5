/**
 * Who the virtual board says it is, and what it prints while it boots:
 * a bootloader banner, kernel lines with timestamps, then a login prompt.
 *
 * @module
 */

/** The board's host name (in prompts and `uname -n`). */
export const HOSTNAME = "virtual-board";
/** `uname -r`. */
export const KERNEL_RELEASE = "6.1.0-virtual";
/** `uname -v`. */
export const KERNEL_BUILD = "#1 SMP PREEMPT Tue Jan 10 12:00:00 UTC 2023";
/** `uname -m`. */
export const MACHINE = "aarch64";
/** `/proc/version` and the kernel's banner line. */
export const LINUX_BANNER =
  `Linux version ${KERNEL_RELEASE} (builder@jumpstarter) (gcc (GCC) 12.2.0, GNU ld (GNU Binutils) 2.40) ${KERNEL_BUILD}`;

/** What the boot log needs to know about the board at the moment a line prints. */
export interface BootView {
  /** Size in bytes of the disk the board sees, or undefined without one. */
  diskSize(): number | undefined;
}

/** One step of the boot: printed at `at` (0..1 of the boot time). */
export interface BootLine {
  at: number;
  /** Kernel lines get a `[    0.123456]` timestamp; `early` ones show zero. */
  kind: "plain" | "kernel" | "early";
  text: (view: BootView) => string;
}

const line = (at: number, kind: BootLine["kind"], text: string | ((view: BootView) => string)) => ({
  at,
  kind,
  text: typeof text === "string" ? () => text : text,
});

/** The boot log, in order; the login prompt follows at 1.0. */
export const BOOT_LOG: readonly BootLine[] = [
  line(0.02, "plain", "\r\nU-Boot 2024.01-virtual (Jan 10 2024 - 12:00:00 +0000)\r\n\r\n"),
  line(0.04, "plain", "DRAM:  1 GiB\r\nMMC:   mmc@fe320000: 0\r\n"),
  line(0.08, "plain", "Hit any key to stop autoboot:  0 \r\n"),
  line(0.12, "plain", "Starting kernel ...\r\n\r\n"),
  line(0.15, "early", "Booting Linux on physical CPU 0x0000000000 [0x410fd083]"),
  line(0.15, "early", LINUX_BANNER),
  line(0.15, "early", "Machine model: Jumpstarter Virtual Board"),
  line(0.15, "early", "Kernel command line: console=ttyS0,115200 root=/dev/mmcblk0p2 rootwait"),
  line(0.3, "kernel", "Serial: 8250/16550 driver, 4 ports, IRQ sharing disabled"),
  line(0.32, "kernel", "printk: console [ttyS0] enabled"),
  line(0.45, "kernel", (view) => {
    const size = view.diskSize();
    return size === undefined
      ? "mmc0: no card present"
      : `mmcblk0: mmc0:0001 VIRT0 ${(size / 1024 / 1024).toFixed(1)} MiB`;
  }),
  line(
    0.6,
    "kernel",
    (view) =>
      view.diskSize() === undefined
        ? "VFS: Mounted root (tmpfs filesystem) on device 0:15."
        : "EXT4-fs (mmcblk0p2): mounted filesystem with ordered data mode. Quota mode: none.",
  ),
  line(0.75, "kernel", "Run /sbin/init as init process"),
  line(0.9, "plain", "\r\nWelcome to Virtual Linux 1.0 (ttyS0)\r\n"),
];

/** A kernel log timestamp: `[    1.234567]`. */
export function kernelStamp(seconds: number): string {
  return `[${seconds.toFixed(6).padStart(12)}]`;
}
