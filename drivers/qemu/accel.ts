/**
 * Picks QEMU's accelerator. `/dev/kvm` existing is not enough: nested
 * virtualisation often exposes a KVM that cannot run a real guest (seen on
 * this project's machines: QEMU aborts setting an MSR with `-cpu host`, and
 * hangs in the kernel without it). So KVM counts as usable only when a
 * probe, a tiny firmware that writes one byte to the serial port, runs
 * under `-accel kvm -cpu host`, the exact set-up a guest would get.
 *
 * @module
 */

/** An accelerator choice in the config. */
export type AccelSetting = "auto" | "kvm" | "tcg";

/** The QEMU arguments for an accelerator. */
export function accelArgs(accel: "kvm" | "tcg"): string[] {
  return accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg"];
}

/** 64 KiB firmware: at the reset vector, write "K" to COM1 and halt. */
function probeFirmware(): Uint8Array {
  const image = new Uint8Array(64 * 1024);
  // mov dx, 0x3f8; mov al, 'K'; out dx, al; hlt; jmp $-1
  image.set([0xba, 0xf8, 0x03, 0xb0, 0x4b, 0xee, 0xf4, 0xeb, 0xfd], 0xfff0);
  return image;
}

const verdicts = new Map<string, Promise<boolean>>();

/** True when `/dev/kvm` opens and the probe guest runs under KVM (cached per binary). */
export function kvmUsable(binary: string): Promise<boolean> {
  let verdict = verdicts.get(binary);
  if (!verdict) {
    verdict = probe(binary);
    verdicts.set(binary, verdict);
  }
  return verdict;
}

async function probe(binary: string): Promise<boolean> {
  try {
    (await Deno.open("/dev/kvm", { read: true, write: true })).close();
  } catch {
    return false;
  }
  const firmware = await Deno.makeTempFile({ prefix: "jumpstarter-kvm-probe-", suffix: ".bin" });
  try {
    await Deno.writeFile(firmware, probeFirmware());
    const child = new Deno.Command(binary, {
      args: [
        ...accelArgs("kvm"),
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-m",
        "16",
        "-bios",
        firmware,
        "-serial",
        "stdio",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    const reader = child.stdout.getReader();
    let seen = false;
    try {
      while (!seen) {
        const { value, done } = await reader.read();
        if (done) break;
        seen = value.includes(0x4b);
      }
    } finally {
      clearTimeout(timer);
      try {
        child.kill("SIGKILL");
      } catch {
        // It exited on its own (a failed probe).
      }
      await reader.cancel().catch(() => {});
      await child.status;
    }
    return seen;
  } catch {
    return false;
  } finally {
    await Deno.remove(firmware).catch(() => {});
  }
}
