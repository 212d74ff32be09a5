/**
 * The guest shell's commands that print what a small Linux would: `echo`,
 * `uname`, `cat` and `ls` of a few files, `sha256sum` of the board's disk,
 * and the `uptime` line.
 *
 * @module
 */
import { HOSTNAME, KERNEL_BUILD, KERNEL_RELEASE, LINUX_BANNER, MACHINE } from "./boot_log.ts";

/** What a command sees of the shell running it and of the board under it. */
export interface CommandIo {
  /** Writes to the console as it is. */
  print(text: string): void;
  /** Prints one line of output; returns `status` for use as an exit status. */
  out(text: string, status?: number): number;
  /** The logged-in user's home directory. */
  home(): string;
  /** Seconds since power on. */
  uptime(): number;
  /** The disk the board sees (`/dev/mmcblk0`), or why it sees none. */
  disk(): { size: number; sha256: string } | { error: string };
}

/** `echo [-n] WORDS...`. */
export function echo(io: CommandIo, args: string[]): number {
  const newline = args[0] !== "-n";
  const text = (newline ? args : args.slice(1)).join(" ");
  io.print(newline ? `${text}\r\n` : text);
  return 0;
}

/** `uname [-snrvmoa]`: the virtual kernel's names, `-s` by default. */
export function uname(io: CommandIo, args: string[]): number {
  const fields: Record<string, string> = {
    s: "Linux",
    n: HOSTNAME,
    r: KERNEL_RELEASE,
    v: KERNEL_BUILD,
    m: MACHINE,
    o: "GNU/Linux",
  };
  const wanted = new Set<string>();
  for (const arg of args) {
    if (!arg.startsWith("-")) return io.out(`uname: extra operand '${arg}'`, 1);
    for (const flag of arg.slice(1)) {
      if (!(flag in fields || flag === "a")) {
        return io.out(`uname: invalid option -- '${flag}'`, 1);
      }
      if (flag === "a") Object.keys(fields).forEach((f) => wanted.add(f));
      else wanted.add(flag);
    }
  }
  if (wanted.size === 0) wanted.add("s");
  return io.out(
    Object.keys(fields).filter((f) => wanted.has(f)).map((f) => fields[f]).join(" "),
  );
}

/** `cat FILE...` of the few files the guest has (`/proc/version`, `/etc/hostname`...). */
export function cat(io: CommandIo, args: string[]): number {
  const files: Record<string, () => string> = {
    "/proc/version": () => LINUX_BANNER,
    "/proc/uptime": () => {
      const up = io.uptime();
      return `${up.toFixed(2)} ${(up * 0.9).toFixed(2)}`;
    },
    "/etc/hostname": () => HOSTNAME,
    "/etc/os-release": () => 'NAME="Virtual Linux"\r\nVERSION="1.0"\r\nID=virtual',
  };
  let status = 0;
  for (const path of args) {
    const file = files[path];
    status = file ? io.out(file()) : io.out(`cat: ${path}: No such file or directory`, 1);
  }
  return status;
}

/** `ls [DIR...]` of the few directories the guest has. */
export function ls(io: CommandIo, args: string[]): number {
  const dirs: Record<string, string> = {
    "/": "bin  dev  etc  home  lib  proc  root  sbin  sys  tmp  usr  var",
    "/dev": "console  mmcblk0  null  ttyS0  zero",
    "/root": "",
  };
  const paths = args.length === 0 ? [io.home()] : args;
  let status = 0;
  for (const path of paths) {
    const listing = dirs[path.length > 1 ? path.replace(/\/$/, "") : path] ??
      (path === "." || path === "~" ? dirs[io.home()] ?? "" : undefined);
    if (listing === undefined) {
      status = io.out(`ls: cannot access '${path}': No such file or directory`, 2);
    } else if (listing) io.out(listing);
  }
  return status;
}

/** `sha256sum /dev/mmcblk0`: the sha256 of the image the board sees. */
export function sha256sum(io: CommandIo, args: string[]): number {
  if (args.length === 0) return io.out("sha256sum: reading stdin is not supported here", 1);
  let status = 0;
  for (const path of args) {
    if (path !== "/dev/mmcblk0") {
      status = io.out(`sha256sum: ${path}: No such file or directory`, 1);
      continue;
    }
    const disk = io.disk();
    status = "error" in disk
      ? io.out(`sha256sum: ${path}: ${disk.error}`, 1)
      : io.out(`${disk.sha256}  ${path}`);
  }
  return status;
}

/** An `uptime` line: ` 12:00:05 up 3 min,  1 user,  load average: 0.00, 0.00, 0.00`. */
export function uptimeLine(seconds: number): string {
  const now = new Date().toTimeString().slice(0, 8);
  const minutes = Math.floor(seconds / 60);
  const up = minutes < 60
    ? `${minutes} min`
    : `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
  return ` ${now} up ${up},  1 user,  load average: 0.00, 0.00, 0.00`;
}
